"""Platform limits, reached cheaply through a lowered ``Limits``.

Each test checks the outcome against Inngest's own error names and messages
(executor-semantics.md section 1; the values live in ``inngest_sim._limits``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, InvalidArgument, Limits, Simulator
from inngest_sim._protocol import hash_step_id
from inngest_sim.trace import RequestSent, RetryScheduled, RunEnded, StepSaved

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
NO_JITTER = Backoff(jitter=0)


def _sequential(client: inngest.Inngest, fn_id: str, steps: int, ran: list[str]) -> Any:
    """A function with ``steps`` sequential step.runs that records each body it runs."""

    @client.create_function(
        fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"limits/{fn_id}"), retries=3
    )
    async def fn(ctx: inngest.Context) -> int:
        total = 0
        for i in range(steps):

            def body(i: int = i) -> int:
                ran.append(f"s{i}")
                return i

            total += await ctx.step.run(f"s{i}", body)
        return total

    return fn


# ---------------------------------------------------------------- step count
@pytest.mark.parametrize("limit", [1, 3])
async def test_a_function_with_exactly_n_steps_fails_under_step_limit_n(
    client: inngest.Inngest, limit: int
) -> None:
    # N steps are saved, but returning the result needs an (N+1)-th SDK call,
    # which the limit check refuses (executor-semantics.md 1.1).
    ran: list[str] = []
    fn = _sequential(client, "exact", limit, ran)

    async with Simulator(client, [fn], backoff=NO_JITTER, limits=Limits(max_steps=limit)) as sim:
        run = await sim.run(fn)

    assert run.status == "Failed"
    assert run.error == {
        "name": "InngestErrFunctionOverflowed",
        "message": f"The function run exceeded the step limit of {limit} steps.",
        "error": "function has too many steps",
    }
    assert run.step_count == limit
    assert ran == [f"s{i}" for i in range(limit)]
    # One request per saved step, and none for the final return.
    assert len(run.requests) == limit
    assert all(r.ops == (f"StepRun:s{i}",) for i, r in enumerate(run.requests))
    # Fail-early: no retry is scheduled.
    assert sim.trace.of(RetryScheduled, run.run_id) == []


@pytest.mark.parametrize("limit", [1, 3])
async def test_a_function_with_n_minus_one_steps_completes_under_step_limit_n(
    client: inngest.Inngest, limit: int
) -> None:
    ran: list[str] = []
    fn = _sequential(client, "fits", limit - 1, ran)

    async with Simulator(client, [fn], backoff=NO_JITTER, limits=Limits(max_steps=limit)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert run.output == sum(range(limit - 1))
    assert run.step_count == limit - 1
    assert len(run.requests) == limit


async def test_the_step_limit_stops_the_run_before_any_further_sdk_request(
    client: inngest.Inngest,
) -> None:
    ran: list[str] = []
    fn = _sequential(client, "long", 6, ran)

    async with Simulator(client, [fn], backoff=NO_JITTER, limits=Limits(max_steps=3)) as sim:
        run = await sim.run(fn)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrFunctionOverflowed"
    assert run.error["message"] == "The function run exceeded the step limit of 3 steps."
    assert ran == ["s0", "s1", "s2"]  # s3.. never ran
    assert list(run.steps) == ["s0", "s1", "s2"]
    # After the third step was saved, no request went to the SDK: the run ended.
    kinds = [type(r) for r in run.trace]
    last_saved = max(i for i, k in enumerate(kinds) if k is StepSaved)
    assert RequestSent not in kinds[last_saved:]
    assert kinds[-1] is RunEnded
    assert len(run.requests) == 3


async def test_a_finished_sleep_counts_towards_the_step_limit(client: inngest.Inngest) -> None:
    ran: list[str] = []

    @client.create_function(fn_id="napper", trigger=inngest.TriggerEvent(event="limits/nap"))
    async def napper(ctx: inngest.Context) -> str:
        await ctx.step.run("a", lambda: ran.append("a"))
        await ctx.step.sleep("nap", dt.timedelta(minutes=5))
        await ctx.step.run("b", lambda: ran.append("b"))
        return "done"

    async with Simulator(
        client, [napper], start=START, backoff=NO_JITTER, limits=Limits(max_steps=2)
    ) as sim:
        run = await sim.run(napper)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["message"] == "The function run exceeded the step limit of 2 steps."
    assert ran == ["a"]
    assert run.step_count == 2
    assert run.ended_at == START + dt.timedelta(minutes=5)


# ------------------------------------------------------------ ops per response
def _fan_out(client: inngest.Inngest, width: int, ran: list[str]) -> Any:
    @client.create_function(
        fn_id=f"fan-{width}", trigger=inngest.TriggerEvent(event="limits/fan"), retries=2
    )
    async def fan(ctx: inngest.Context) -> list[int]:
        def make(i: int) -> Any:
            def body() -> int:
                ran.append(f"p{i}")
                return i

            return lambda: ctx.step.run(f"p{i}", body)

        return list(await ctx.group.parallel(tuple(make(i) for i in range(width))))

    return fan


async def test_a_parallel_plan_with_more_ops_than_allowed_fails_the_run(
    client: inngest.Inngest,
) -> None:
    ran: list[str] = []
    fan = _fan_out(client, 4, ran)

    async with Simulator(
        client, [fan], backoff=NO_JITTER, limits=Limits(max_ops_per_response=3)
    ) as sim:
        run = await sim.run(fan)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrFunctionOverflowed"
    assert run.error["message"] == "The function run exceeded the step limit of 3 steps."
    # The plan was rejected whole: nothing ran, nothing was saved, nothing retried.
    assert ran == []
    assert run.step_count == 0
    assert len(run.requests) == 1
    assert run.requests[0].ops == tuple(f"StepPlanned:p{i}" for i in range(4))
    assert sim.trace.of(RetryScheduled, run.run_id) == []


async def test_a_parallel_plan_with_exactly_the_allowed_ops_runs(client: inngest.Inngest) -> None:
    ran: list[str] = []
    fan = _fan_out(client, 3, ran)

    async with Simulator(
        client, [fan], backoff=NO_JITTER, limits=Limits(max_ops_per_response=3)
    ) as sim:
        run = await sim.run(fan)

    assert run.status == "Completed"
    assert run.output == [0, 1, 2]
    assert sorted(ran) == ["p0", "p1", "p2"]


# ------------------------------------------------------------- step output
def _output_limit_fn(
    client: inngest.Inngest, size: int, calls: list[int], caught: list[str]
) -> Any:
    @client.create_function(
        fn_id=f"big-{size}", trigger=inngest.TriggerEvent(event="limits/big"), retries=2
    )
    async def big(ctx: inngest.Context) -> int:
        def body() -> str:
            calls.append(ctx.attempt)
            return "x" * size

        try:
            value = await ctx.step.run("big", body)
        except inngest.StepError:
            caught.append("StepError")
            return -1
        return len(value)

    return big


async def test_a_step_output_over_the_limit_is_retried_then_fails_the_run(
    client: inngest.Inngest,
) -> None:
    calls: list[int] = []
    caught: list[str] = []
    big = _output_limit_fn(client, 200, calls, caught)

    async with Simulator(
        client, [big], start=START, backoff=NO_JITTER, limits=Limits(max_step_output_bytes=100)
    ) as sim:
        run = await sim.run(big)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "Error"
    assert run.error["message"].startswith(
        f"error validating generator opcode {hash_step_id('big')}: "
        "step output size is greater than the limit"
    )
    # The size measured is the wrapped output, {"data": "xxx…"}.
    assert "211 > 100" in run.error["message"]
    # Inngest names the hashed id; the step id users wrote is named too.
    assert run.error["message"].endswith("in step 'big'")
    # Retried like a transport error: each attempt re-ran the step in the SDK.
    assert calls == [0, 1, 2]
    attempts = run.steps["big"].attempts
    assert [a.number for a in attempts] == [0, 1, 2]
    assert [a.outcome for a in attempts[:-1]] == ["error", "error"]
    assert attempts[-1].outcome in ("error", "failed")
    assert all(a.error == run.error for a in attempts)
    assert [a.start - START for a in attempts] == [
        dt.timedelta(0),
        dt.timedelta(seconds=15),
        dt.timedelta(seconds=45),
    ]
    # Not a step failure: nothing is memoized and user code never sees a StepError.
    assert caught == []
    assert not run.steps["big"].saved
    assert run.step_count == 0


async def test_a_step_output_exactly_at_the_limit_is_accepted(client: inngest.Inngest) -> None:
    calls: list[int] = []
    big = _output_limit_fn(client, 100, calls, [])

    # len('{"data":"' + 100 * "x" + '"}') == 111
    async with Simulator(client, [big], limits=Limits(max_step_output_bytes=111)) as sim:
        run = await sim.run(big)

    assert run.status == "Completed"
    assert run.output == 100
    assert calls == [0]


async def test_a_step_output_over_the_limit_succeeds_when_a_retry_returns_less(
    client: inngest.Inngest,
) -> None:
    @client.create_function(
        fn_id="shrinks", trigger=inngest.TriggerEvent(event="limits/shrink"), retries=2
    )
    async def shrinks(ctx: inngest.Context) -> int:
        value = await ctx.step.run("grow", lambda: "x" * (500 if ctx.attempt == 0 else 5))
        return len(value)

    async with Simulator(
        client, [shrinks], backoff=NO_JITTER, limits=Limits(max_step_output_bytes=100)
    ) as sim:
        run = await sim.run(shrinks)

    assert run.status == "Completed"
    assert run.output == 5
    assert [(a.number, a.outcome) for a in run.steps["grow"].attempts] == [(0, "error"), (1, "ok")]


async def test_a_step_error_over_the_output_limit_is_not_a_catchable_step_error(
    client: inngest.Inngest,
) -> None:
    caught: list[str] = []

    @client.create_function(
        fn_id="loud", trigger=inngest.TriggerEvent(event="limits/loud"), retries=0
    )
    async def loud(ctx: inngest.Context) -> str:
        def body() -> None:
            raise ValueError("e" * 500)

        try:
            await ctx.step.run("loud", body)
        except inngest.StepError:
            caught.append("StepError")
            return "caught"
        return "unreachable"

    async with Simulator(client, [loud], limits=Limits(max_step_output_bytes=300)) as sim:
        run = await sim.run(loud)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["message"].startswith(
        f"error validating generator opcode {hash_step_id('loud')}: step output size"
    )
    assert caught == []
    assert run.step_count == 0


# ---------------------------------------------------------- response body
async def test_a_response_body_over_the_limit_fails_with_output_too_large(
    client: inngest.Inngest,
) -> None:
    @client.create_function(
        fn_id="chatty", trigger=inngest.TriggerEvent(event="limits/chatty"), retries=0
    )
    async def chatty(ctx: inngest.Context) -> str:
        return "y" * 2000

    async with Simulator(client, [chatty], limits=Limits(max_response_bytes=1000)) as sim:
        run = await sim.run(chatty)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "output_too_large"
    assert run.error["name"] == "Error"
    assert run.error["message"].startswith(
        "Your function's response body exceeds the maximum size limit"
    )
    assert len(run.requests) == 1


async def test_a_response_body_over_the_limit_is_retried(client: inngest.Inngest) -> None:
    @client.create_function(
        fn_id="calms", trigger=inngest.TriggerEvent(event="limits/calms"), retries=1
    )
    async def calms(ctx: inngest.Context) -> str:
        return "y" * (2000 if ctx.attempt == 0 else 10)

    async with Simulator(
        client, [calms], backoff=NO_JITTER, limits=Limits(max_response_bytes=1000)
    ) as sim:
        run = await sim.run(calms)

    assert run.status == "Completed"
    assert run.output == "y" * 10
    assert [r.attempt for r in run.requests] == [0, 1]
    retries = sim.trace.of(RetryScheduled, run.run_id)
    assert [(r.next_attempt, r.delay) for r in retries] == [(1, 15.0)]


async def test_a_large_step_output_under_the_step_limit_can_still_overflow_the_response(
    client: inngest.Inngest,
) -> None:
    ran: list[int] = []

    @client.create_function(
        fn_id="wide", trigger=inngest.TriggerEvent(event="limits/wide"), retries=1
    )
    async def wide(ctx: inngest.Context) -> int:
        value = await ctx.step.run("wide", lambda: ran.append(ctx.attempt) or "z" * 2000)
        return len(value)

    async with Simulator(
        client, [wide], backoff=NO_JITTER, limits=Limits(max_response_bytes=1000)
    ) as sim:
        run = await sim.run(wide)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "output_too_large"
    assert ran == [0, 1]  # retried once, then out of attempts
    assert run.step_count == 0


# ------------------------------------------------------------- state size
def _stateful(client: inngest.Inngest, ran: list[str]) -> Any:
    @client.create_function(
        fn_id="stateful", trigger=inngest.TriggerEvent(event="limits/state"), retries=3
    )
    async def stateful(ctx: inngest.Context) -> str:
        await ctx.step.run("small", lambda: ran.append("small") or "s" * 10)
        await ctx.step.run("large", lambda: ran.append("large") or "L" * 300)
        await ctx.step.run("after", lambda: ran.append("after"))
        return "ok"

    return stateful


async def test_run_state_over_the_limit_fails_the_run_at_once(client: inngest.Inngest) -> None:
    ran: list[str] = []
    fn = _stateful(client, ran)

    # Measure the full state of a run with no limit in the way, then lower the
    # limit so that only the large step crosses it.
    async with Simulator(client, [fn], start=START, seed=7, backoff=NO_JITTER) as sim:
        full = await sim.run(fn)
    assert full.status == "Completed"
    limit = full.state_bytes - 100

    ran.clear()
    async with Simulator(
        client,
        [fn],
        start=START,
        seed=7,
        backoff=NO_JITTER,
        limits=Limits(max_state_bytes=limit),
    ) as sim:
        run = await sim.run(fn)

    message = f"The function run exceeded the state size limit of {limit} bytes."
    assert run.status == "Failed"
    assert run.error == {
        "name": "InngestErrStateOverflowed",
        "message": message,
        "error": f"InngestErrStateOverflowed: {message}",
    }
    # No retry although retries=3, and the large output was not saved.
    assert ran == ["small", "large"]
    assert sim.trace.of(RetryScheduled, run.run_id) == []
    assert [a.outcome for a in run.steps["large"].attempts] == ["failed"]
    assert not run.steps["large"].saved
    assert run.step_count == 1
    assert run.state_bytes <= limit


async def test_run_state_exactly_at_the_limit_is_allowed(client: inngest.Inngest) -> None:
    ran: list[str] = []
    fn = _stateful(client, ran)

    async with Simulator(client, [fn], start=START, seed=7) as sim:
        full = await sim.run(fn)
    async with Simulator(
        client, [fn], start=START, seed=7, limits=Limits(max_state_bytes=full.state_bytes)
    ) as sim:
        exact = await sim.run(fn)
    async with Simulator(
        client, [fn], start=START, seed=7, limits=Limits(max_state_bytes=full.state_bytes - 1)
    ) as sim:
        over = await sim.run(fn)

    assert exact.status == "Completed"
    assert exact.state_bytes == full.state_bytes
    assert over.status == "Failed"
    assert over.error is not None
    assert over.error["name"] == "InngestErrStateOverflowed"


# ------------------------------------------------------------------- sleep
def _sleeper(client: inngest.Inngest, fn_id: str, duration: dt.timedelta) -> Any:
    @client.create_function(
        fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"limits/{fn_id}"), retries=3
    )
    async def sleeper(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", duration)
        return "rested"

    return sleeper


async def test_a_sleep_longer_than_the_limit_fails_the_run(client: inngest.Inngest) -> None:
    fn = _sleeper(client, "two-hours", dt.timedelta(hours=2))

    async with Simulator(client, [fn], start=START, limits=Limits(max_sleep_seconds=3600)) as sim:
        run = await sim.run(fn)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrTimeoutTooLong"
    assert run.error["message"].startswith('The sleep "nap" ends more than one year in the future')
    assert "2030-01-01T02:00:00" in run.error["message"]
    assert len(run.requests) == 1  # fail-early: no retries
    assert run.ended_at == START


async def test_a_sleep_over_366_days_fails_under_the_default_limit(
    client: inngest.Inngest,
) -> None:
    fn = _sleeper(client, "too-long", dt.timedelta(days=367))

    async with Simulator(client, [fn], start=START) as sim:
        run = await sim.run(fn)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrTimeoutTooLong"
    assert run.step_count == 0


@pytest.mark.parametrize("days", [365, 366])
async def test_a_sleep_of_up_to_366_days_completes_under_the_default_limit(
    client: inngest.Inngest, days: int
) -> None:
    fn = _sleeper(client, f"long-{days}", dt.timedelta(days=days))

    async with Simulator(client, [fn], start=START) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed", run.error
    assert run.output == "rested"
    assert run.ended_at == START + dt.timedelta(days=days)


async def test_a_sleep_until_beyond_the_limit_fails_the_run(client: inngest.Inngest) -> None:
    @client.create_function(fn_id="until", trigger=inngest.TriggerEvent(event="limits/until"))
    async def until(ctx: inngest.Context) -> None:
        await ctx.step.sleep_until("far", START + dt.timedelta(days=400))

    async with Simulator(client, [until], start=START) as sim:
        run = await sim.run(until)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrTimeoutTooLong"
    assert '"far"' in run.error["message"]


# ------------------------------------------------------------- validation
_FIELDS = [f.name for f in dataclasses.fields(Limits)]


@pytest.mark.parametrize("value", [0, -1])
@pytest.mark.parametrize("field", _FIELDS)
def test_a_limit_that_is_not_positive_is_rejected_naming_the_field(field: str, value: int) -> None:
    with pytest.raises(InvalidArgument, match=rf"Limits\.{field}={value}\b"):
        Limits(**{field: value})


def test_invalid_limits_are_value_errors_with_the_default_in_the_message() -> None:
    with pytest.raises(ValueError, match=r"Limits\.max_steps=0 .*default is 1000"):
        Limits(max_steps=0)


@pytest.mark.parametrize("value", [True, "10", None])
def test_a_limit_that_is_not_a_number_is_rejected(value: object) -> None:
    with pytest.raises(InvalidArgument, match=r"Limits\.max_steps="):
        Limits(max_steps=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", ["max_steps", "max_sleep_seconds"])
def test_nan_is_not_a_positive_limit(field: str) -> None:
    # NaN compares False with everything, so an accepted NaN limit would
    # silently switch the check off (`step_count >= nan` is never true).
    with pytest.raises(InvalidArgument, match=rf"Limits\.{field}=nan"):
        Limits(**{field: math.nan})


def test_the_default_limits_are_inngests() -> None:
    limits = Limits()
    assert limits.max_steps == 1000
    assert limits.max_ops_per_response == 1000
    assert limits.max_step_output_bytes == 4 * 1024 * 1024
    assert limits.max_response_bytes == 8 * 1024 * 1024
    assert limits.max_state_bytes == 32 * 1024 * 1024
    assert limits.max_sleep_seconds == 366 * 86400
    assert limits.max_event_bytes == 3 * 1024 * 1024
    assert limits.max_events_per_send == 5000
