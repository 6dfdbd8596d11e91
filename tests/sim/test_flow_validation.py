"""Flow-control options Inngest would reject fail at simulator start, naming fn and option."""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest
import pytest

from inngest_sim import InvalidArgument, Simulator
from inngest_sim._flow.policy import parse_policy
from inngest_sim._server.registry import FunctionSpec

from ._sdk_features import needs_cron_jitter, needs_exact_durations

BATCH = inngest.Batch(max_size=10, timeout=dt.timedelta(seconds=5))


def function(client: inngest.Inngest, trigger: Any = None, **options: Any) -> inngest.Function:
    @client.create_function(
        fn_id="checked",
        trigger=trigger or inngest.TriggerEvent(event="flow/checked"),
        **options,
    )
    async def fn(ctx: inngest.Context) -> None:
        return None

    return fn


async def start(client: inngest.Inngest, fn: inngest.Function) -> None:
    async with Simulator(client, [fn]):
        pass


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param(
            {"concurrency": [inngest.Concurrency(limit=1, key=f'"{k}"') for k in "abc"]},
            r"'sim-tests-checked': concurrency: 3 limits given; Inngest allows at most 2",
            id="three-concurrency-limits",
        ),
        pytest.param(
            {"concurrency": [inngest.Concurrency(limit=1, scope="account")]},
            r"concurrency\[0\]: scope 'account' needs a key expression",
            id="account-scope-without-key",
        ),
        pytest.param(
            {"concurrency": [inngest.Concurrency(limit=1, key="event.data.(")]},
            r"'sim-tests-checked' concurrency\[0\]\.key: the expression 'event\.data\.\(' "
            "does not parse",
            id="key-does-not-parse",
        ),
        pytest.param(
            {"debounce": inngest.Debounce(period=dt.timedelta(days=8))},
            r"debounce\.period: '8d' is outside 1s\.\.7d",
            id="debounce-too-long",
            marks=needs_exact_durations,
        ),
        pytest.param(
            {"throttle": inngest.Throttle(limit=0, period=dt.timedelta(seconds=1))},
            r"throttle\.limit: 0 must be a whole number of at least 1",
            id="throttle-limit-zero",
        ),
        pytest.param(
            {"rate_limit": inngest.RateLimit(limit=1, period=dt.timedelta(days=2))},
            r"rateLimit\.period: '2d' is outside 1s\.\.1d",
            id="rate-limit-period-over-a-day",
        ),
        pytest.param(
            {"priority": inngest.Priority(run="event.data.p +")},
            r"priority\.run: the expression",
            id="priority-does-not-parse",
        ),
        pytest.param(
            {"batch_events": inngest.Batch(max_size=1, timeout=dt.timedelta(seconds=1))},
            r"batchEvents\.maxSize: 1 must be a whole number of at least 2",
            id="batch-of-one",
        ),
    ],
)
async def test_bad_options_are_rejected_at_start(
    client: inngest.Inngest, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        await start(client, function(client, **options))


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"cancel": [inngest.Cancel(event="flow/stop")]}, id="cancel"),
        pytest.param({"debounce": inngest.Debounce(period=dt.timedelta(seconds=5))}, id="debounce"),
        pytest.param({"singleton": inngest.Singleton(mode="skip")}, id="singleton"),
        pytest.param({"priority": inngest.Priority(run="1")}, id="priority"),
    ],
)
async def test_batching_cannot_be_combined_with_some_options(
    client: inngest.Inngest, options: dict[str, Any]
) -> None:
    (name,) = options
    fn = function(client, batch_events=BATCH, **options)
    with pytest.raises(InvalidArgument, match=rf"batchEvents: cannot be combined with {name}"):
        await start(client, fn)


# The server refuses these at sync: pkg/inngest/trigger.go CronTrigger.Validate,
# "'%s' isn't a valid cron schedule", from robfig/cron v3's five-field parser (its error
# in brackets here), and the jitter bounds MinCronJitter / MaxCronJitter. On the real server
# the six-field, @hourly, day-of-week 7 and 6m-jitter cases failed the sync ("'@hourly'
# isn't a valid cron schedule", "cron jitter must be less than or equal to 5m0s");
# CRON_TZ=Europe/Paris synced. The others were read from the code only.
@pytest.mark.parametrize(
    ("cron", "jitter", "message"),
    [
        ("*/5 * * *", None, r"isn't a valid cron schedule \(expected exactly 5 fields, found 4"),
        ("0 */5 * * * *", None, r"\(expected exactly 5 fields, found 6: \[0 \*/5 \* \* \* \*\]\)"),
        ("@hourly", None, r"\(parser does not accept descriptors: @hourly\); .* '0 \* \* \* \*'"),
        ("61 * * * *", None, r"\(end of range \(61\) above maximum \(59\): 61\)"),
        ("0 0 * * 7", None, r"\(end of range \(7\) above maximum \(6\): 7\)"),
        ("0 0 L * *", None, r"failed to parse int from L"),
        ("TZ=Mars/Olympus 0 12 * * *", None, r"unknown time zone 'Mars/Olympus'"),
        pytest.param(
            "0 * * * *",
            "6m",
            r"cron jitter must be less than or equal to 5m0s",
            marks=needs_cron_jitter,
        ),
        pytest.param(
            "0 * * * *", "500ms", r"cron jitter must be at least 1s", marks=needs_cron_jitter
        ),
    ],
)
async def test_bad_cron_schedules_are_rejected_at_start(
    client: inngest.Inngest, cron: str, jitter: str | None, message: str
) -> None:
    fn = function(client, trigger=inngest.TriggerCron(cron=cron, jitter=jitter))
    with pytest.raises(InvalidArgument, match=rf"'sim-tests-checked' cron trigger: .*{message}"):
        await start(client, fn)


def test_other_sdks_concurrency_shorthands() -> None:
    def policy(concurrency: object) -> object:
        spec = FunctionSpec.from_config({"id": "app-f", "concurrency": concurrency}, "app")
        return parse_policy(spec).concurrency

    assert policy(3) == policy({"limit": 3}) == policy([{"limit": 3}])
    with pytest.raises(
        InvalidArgument, match=r"'app-f': concurrency: the form .* \(run-level limits\)"
    ):
        policy({"fn": [{"limit": 1}]})


def test_a_cancel_timeout_the_server_cannot_read_is_refused_at_sync() -> None:
    def spec(cancel: object) -> FunctionSpec:
        return FunctionSpec.from_config({"id": "app-f", "cancel": cancel}, "app")

    # strtimeout.ParseTimeout: a duration or an RFC 3339 instant (a TypeScript Date).
    spec([{"event": "a/stop", "timeout": "1h"}])
    spec([{"event": "a/stop", "timeout": "2030-01-01T00:00:00Z"}])
    # Anything else failed every run's start with a raw ProtocolError.
    with pytest.raises(InvalidArgument, match=r"'app-f' cancel on 'a/stop': timeout 'soon'"):
        spec([{"event": "a/stop", "timeout": "soon"}])
    with pytest.raises(InvalidArgument, match=r"'app-f' cancel entry .*: needs an event name"):
        spec([{"timeout": "1h"}])
