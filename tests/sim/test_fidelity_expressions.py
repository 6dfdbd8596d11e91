"""Where the server evaluates an expression, the simulator gives its answer.

Each case is a trap the Go server decides differently from plain CEL: a trigger ``if``
on a field the event lacks, a key that adds a number to a string, a wildcard that is
not after ``/`` or ``.``, a rate-limit key that is false. The deciding Go file is named
on each test. Each was also run on the real server (``inngest dev`` built from
github.com/inngest/inngest @253303cd) with the same functions, and did there what the
test expects (``docs/compatibility.md``).
"""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RunSkipped

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _fn(client: inngest.Inngest, fn_id: str, trigger: inngest.TriggerEvent, **options: object):  # type: ignore[no-untyped-def]
    @client.create_function(fn_id=fn_id, trigger=trigger, **options)  # type: ignore[arg-type]
    async def fn(ctx: inngest.Context) -> object:
        return ctx.event.data.get("n")

    return fn


def _limited_by(client: inngest.Inngest, fn_id: str, key: str):  # type: ignore[no-untyped-def]
    """A function on app/ping that allows one run a minute per value of ``key``."""
    limit = inngest.RateLimit(limit=1, period=dt.timedelta(minutes=1), key=key)
    return _fn(client, fn_id, inngest.TriggerEvent(event="app/ping"), rate_limit=limit)


async def test_a_trigger_if_on_a_missing_field_is_null_like(client: inngest.Inngest) -> None:
    # pkg/expressions/unknown.go handleUnknownCall: NotEquals on an unknown is true,
    # Equals of an unknown and null is true. Server: not-free ran for 1 and 3, no-deletion
    # for 1 and 2.
    not_free = _fn(
        client,
        "not-free",
        inngest.TriggerEvent(event="app/signup", expression='event.data.plan != "free"'),
    )
    no_deletion = _fn(
        client,
        "no-deletion",
        inngest.TriggerEvent(event="app/signup", expression="event.data.deleted_at == null"),
    )
    async with Simulator(client, [not_free, no_deletion], start=START) as sim:
        await sim.send({"name": "app/signup", "data": {"n": 1}})
        await sim.send({"name": "app/signup", "data": {"n": 2, "plan": "free"}})
        await sim.send({"name": "app/signup", "data": {"n": 3, "deleted_at": "2026"}})
        runs = await sim.settle()

    outputs = sorted((run.function_id.split("-", 2)[-1], run.output) for run in runs)
    assert outputs == [("no-deletion", 1), ("no-deletion", 2), ("not-free", 1), ("not-free", 3)]


async def test_a_key_that_adds_a_number_to_text_keeps_users_apart(
    client: inngest.Inngest,
) -> None:
    # unknown.go runtimeUnknownCall: a failed `+` of two known types is fmt.Sprintf("%v%v").
    # Server: one run per user id (which of user 1's two events won varied: a batch's
    # events are handled concurrently there).
    fn = _limited_by(client, "per-user", '"user-" + event.data.id')
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "app/ping", "data": {"id": i, "n": i}} for i in (1, 2, 1)])
        runs = await sim.settle()
        (skipped,) = sim.trace.of(RunSkipped)

    assert sorted(run.output for run in runs) == [1, 2]
    assert skipped.key == "user-1"


async def test_a_rate_limit_key_that_is_false_does_not_limit(client: inngest.Inngest) -> None:
    # pkg/execution/ratelimit/ratelimit.go RateLimitKey: a false result is ErrNotRateLimited,
    # and executor.go schedule() goes on; a missing field's value is false (cel.go eval).
    # Server: all three events without `account` ran, one of the two with it.
    fn = _limited_by(client, "missing-key", "event.data.account")
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "app/ping", "data": {"n": i}} for i in range(3)])
        await sim.send([{"name": "app/ping", "data": {"n": 9, "account": "a"}}] * 2)
        runs = await sim.settle()

    assert sorted(run.output for run in runs) == [0, 1, 2, 9]


async def test_a_wildcard_matches_only_after_a_slash_or_a_dot(client: inngest.Inngest) -> None:
    # pkg/event_trigger_patterns/patterns.go GenerateMatchingPatterns: "app/users.created"
    # matches "app/*" and "app/users.*", never "app/user*". Server: the same runs.
    mid_word = _fn(client, "mid-word", inngest.TriggerEvent(event="app/user*"))
    after_slash = _fn(client, "after-slash", inngest.TriggerEvent(event="app/*"))
    after_dot = _fn(client, "after-dot", inngest.TriggerEvent(event="app/users.*"))
    async with Simulator(client, [mid_word, after_slash, after_dot], start=START) as sim:
        await sim.send({"name": "app/users.created", "data": {"n": 1}})
        await sim.send({"name": "app/team/users", "data": {"n": 2}})
        runs = await sim.settle()

    outputs = sorted((run.function_id.split("-", 2)[-1], run.output) for run in runs)
    assert outputs == [("after-dot", 1), ("after-slash", 1), ("after-slash", 2)]


async def test_a_wait_if_on_a_missing_field_is_null_like(client: inngest.Inngest) -> None:
    # The pause's expression goes through the same evaluator (unknown.go). Seen on the
    # server: the wait took the second event (no coupon), not the first.
    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="app/order"))
    async def waiter(ctx: inngest.Context) -> object:
        paid = await ctx.step.wait_for_event(
            "paid",
            event="app/paid",
            if_exp="async.data.coupon == null",
            timeout=dt.timedelta(hours=1),
        )
        return None if paid is None else paid.data["n"]

    async with Simulator(client, [waiter], start=START) as sim:
        (order,) = await sim.send({"name": "app/order", "data": {}})
        await sim.advance(dt.timedelta(minutes=1))
        await sim.send({"name": "app/paid", "data": {"n": 1, "coupon": "X"}})
        await sim.send({"name": "app/paid", "data": {"n": 2}})
        await sim.settle()
        (run,) = sim.runs_for(order)

    assert run.output == 2


async def test_a_rate_limit_key_that_errors_starts_no_run(client: inngest.Inngest) -> None:
    # Server: for key int(event.data.x), x = "abc" gave no run ("could not get rate limit key:
    # rate limit expression evaluation failed"), x = "12" and a missing x ran.
    fn = _limited_by(client, "bad-key", "int(event.data.x)")
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send(
            [{"name": "app/ping", "data": {"n": n, "x": x}} for n, x in enumerate(["abc", "12"])]
        )
        await sim.send({"name": "app/ping", "data": {"n": 2}})
        runs = await sim.settle()
        (skipped,) = sim.trace.of(RunSkipped)

    assert sorted(run.output for run in runs) == [1, 2]
    assert skipped.reason == "rate_limit"
    assert skipped.message.startswith("could not get rate limit key")


async def test_cancel_and_batch_conditions_on_a_missing_field(client: inngest.Inngest) -> None:
    # The same evaluator (unknown.go) decides a cancel's `if` and a batch's `if`: a field the
    # event lacks is unknown, and `!=` anything but null is true. Seen on the server: a stop
    # with reason "keep" left the run alone, one without a reason cancelled it (the batch
    # `if` was read from the code only).
    @client.create_function(
        fn_id="stoppable",
        trigger=inngest.TriggerEvent(event="app/job"),
        cancel=[inngest.Cancel(event="app/stop", if_exp='async.data.reason != "keep"')],
    )
    async def stoppable(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(hours=1))
        return "done"

    @client.create_function(
        fn_id="batched",
        trigger=inngest.TriggerEvent(event="app/item"),
        batch_events=inngest.Batch(
            max_size=3, timeout=dt.timedelta(seconds=5), if_exp="event.data.urgent != true"
        ),
    )
    async def batched(ctx: inngest.Context) -> list[object]:
        return [e.data["n"] for e in ctx.events]

    async with Simulator(client, [stoppable, batched], start=START) as sim:
        with sim.hold_time():
            (job,) = await sim.send({"name": "app/job", "data": {}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "app/stop", "data": {}})  # no reason: cancels
        await sim.send([{"name": "app/item", "data": {"n": n}} for n in (1, 2)])
        await sim.send({"name": "app/item", "data": {"n": 3, "urgent": True}})
        await sim.settle()
        (job_run,) = sim.runs_for(job)
        outputs = sorted(r.output for r in sim.runs if r.function_id.endswith("-batched"))

    assert job_run.status == "Cancelled"
    assert outputs == [[1, 2], [3]]
