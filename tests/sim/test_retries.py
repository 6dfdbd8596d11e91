"""Retries: per-step budgets, StepError/StepFailed, non-retriable and retry-after.

Semantics from sdk-protocol.md section 3.4 and executor-semantics.md section 2.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import inngest

from inngest_sim import Backoff, Simulator

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _client(app_id: str) -> inngest.Inngest:
    return inngest.Inngest(app_id=app_id, is_production=False)


def _flaky(failures: int, value: object) -> object:
    """A step body that fails ``failures`` times, then returns ``value``.

    Build it outside the function: the function body replays on every request.
    """
    calls = {"n": 0}

    async def body() -> object:
        calls["n"] += 1
        if calls["n"] <= failures:
            raise ConnectionError(f"attempt {calls['n']} failed")
        return value

    return body


async def test_every_step_has_its_own_retry_budget() -> None:
    client = _client("retry-budget")
    attempts_seen: list[tuple[str, int]] = []
    flaky_a, flaky_b = _flaky(3, "a"), _flaky(3, "b")

    @client.create_function(fn_id="two", trigger=inngest.TriggerEvent(event="r/two"), retries=3)
    async def two(ctx: inngest.Context) -> list[object]:
        attempts_seen.append(("fn", ctx.attempt))
        a = await ctx.step.run("a", flaky_a)  # type: ignore[arg-type]
        b = await ctx.step.run("b", flaky_b)  # type: ignore[arg-type]
        return [a, b]

    async with Simulator(client, [two], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(two)

    # 3 failures each fit in 4 attempts *per step*; a run-wide counter would fail.
    assert run.status == "Completed"
    assert run.output == ["a", "b"]
    for step in ("a", "b"):
        outcomes = [(x.number, x.outcome) for x in run.steps[step].attempts]
        assert outcomes == [(0, "error"), (1, "error"), (2, "error"), (3, "ok")]
    # ctx.attempt is the attempt of the current request and starts at 0 again for b.
    assert max(n for _, n in attempts_seen) == 3
    assert ("fn", 0) in attempts_seen[4:]


async def test_backoff_follows_inngests_table_in_virtual_time() -> None:
    client = _client("retry-table")

    body = _flaky(4, "ok")

    @client.create_function(fn_id="slow", trigger=inngest.TriggerEvent(event="r/slow"), retries=4)
    async def slow(ctx: inngest.Context) -> object:
        return await ctx.step.run("s", body)  # type: ignore[arg-type]

    async with Simulator(client, [slow], backoff=Backoff(jitter=0), start=START) as sim:
        run = await sim.run(slow)

    starts = [a.start - START for a in run.steps["s"].attempts]
    seconds = [d.total_seconds() for d in starts]
    assert seconds == [0, 15, 45, 105, 225]  # +15s, +30s, +1m, +2m
    assert run.status == "Completed"
    assert run.wall_seconds < 5  # four minutes of backoff cost no real time


async def test_jitter_is_seeded_and_bounded() -> None:
    def schedule(seed: int) -> list[float]:
        import random

        rng = random.Random(seed)
        return [Backoff().delay(n, rng) for n in range(3)]

    assert schedule(7) == schedule(7)
    assert schedule(7) != schedule(8)
    for n, delay in enumerate(schedule(7)):
        base = (15, 30, 60)[n]
        assert base <= delay <= base + 30


async def test_two_hour_backoffs_cost_no_wall_time() -> None:
    client = _client("retry-long")

    body = _flaky(12, "done")

    @client.create_function(fn_id="long", trigger=inngest.TriggerEvent(event="r/l"), retries=12)
    async def long(ctx: inngest.Context) -> object:
        return await ctx.step.run("s", body)  # type: ignore[arg-type]

    async with Simulator(client, [long], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(long)

    assert run.status == "Completed"
    # 15s+30s+1m+2m+5m+10m+20m+40m+1h+2h+2h+2h of backoff, all virtual.
    assert run.virtual_duration == dt.timedelta(hours=8, minutes=18, seconds=45)


async def test_exhausted_step_becomes_a_catchable_step_error() -> None:
    client = _client("retry-caught")

    body = _flaky(99, None)

    @client.create_function(fn_id="c", trigger=inngest.TriggerEvent(event="r/c"), retries=2)
    async def caught(ctx: inngest.Context) -> dict[str, object]:
        try:
            await ctx.step.run("doomed", body)  # type: ignore[arg-type]
        except inngest.StepError as err:
            return {"caught": err.name, "message": err.message}
        return {"caught": None}

    async with Simulator(client, [caught], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(caught)

    assert run.status == "Completed"
    assert run.output == {"caught": "ConnectionError", "message": "attempt 3 failed"}
    outcomes = [a.outcome for a in run.steps["doomed"].attempts]
    assert outcomes == ["error", "error", "failed"]
    assert run.steps["doomed"].memo == "error"


async def test_uncaught_step_error_fails_the_run_without_more_retries() -> None:
    client = _client("retry-uncaught")

    @client.create_function(fn_id="u", trigger=inngest.TriggerEvent(event="r/u"), retries=1)
    async def uncaught(ctx: inngest.Context) -> None:
        await ctx.step.run("doomed", _flaky(99, None))  # type: ignore[arg-type]

    async with Simulator(client, [uncaught], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(uncaught)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "step_errored"
    assert run.error["name"] == "ConnectionError"
    # 2 step attempts, then one request that raises the StepError and is not retried.
    assert [r.attempt for r in run.requests] == [0, 1, 0]


async def test_non_retriable_error_in_a_step_fails_the_run_at_once() -> None:
    client = _client("retry-nonretriable")
    calls: list[int] = []

    @client.create_function(fn_id="n", trigger=inngest.TriggerEvent(event="r/n"), retries=4)
    async def nonretriable(ctx: inngest.Context) -> None:
        async def refuse() -> None:
            calls.append(ctx.attempt)
            raise inngest.NonRetriableError("refused: sensitive content")

        await ctx.step.run("refuse", refuse)

    async with Simulator(client, [nonretriable]) as sim:
        run = await sim.run(nonretriable)

    assert run.status == "Failed"
    assert calls == [0]
    assert run.error is not None
    assert run.error["code"] == "non_retriable_error"
    assert run.error["message"] == "refused: sensitive content"
    assert len(run.requests) == 1


async def test_retry_after_error_waits_as_told_in_virtual_time() -> None:
    client = _client("retry-after")
    calls = {"n": 0}

    @client.create_function(fn_id="ra", trigger=inngest.TriggerEvent(event="r/ra"), retries=2)
    async def retry_after(ctx: inngest.Context) -> str:
        async def limited() -> str:
            calls["n"] += 1
            if calls["n"] == 1:
                raise inngest.RetryAfterError("rate limited", dt.timedelta(minutes=7))
            return "ok"

        return await ctx.step.run("limited", limited)

    async with Simulator(client, [retry_after], start=START) as sim:
        run = await sim.run(retry_after)

    assert run.status == "Completed"
    second = run.requests[1]
    assert second.attempt == 1
    retry = sim.trace.of(_retry_records())[0]
    assert retry.reason == "retry-after"
    assert abs(retry.delay - 420) < 0.01
    assert run.virtual_duration.total_seconds() == 420


async def test_retry_after_is_clamped_to_one_second_and_one_day() -> None:
    client = _client("retry-clamp")
    delays = [dt.timedelta(milliseconds=10), dt.timedelta(days=3)]

    @client.create_function(fn_id="cl", trigger=inngest.TriggerEvent(event="r/cl"), retries=3)
    async def clamp(ctx: inngest.Context) -> str:
        if ctx.attempt < len(delays):
            raise inngest.RetryAfterError("later", delays[ctx.attempt])
        return "ok"

    async with Simulator(client, [clamp]) as sim:
        run = await sim.run(clamp)

    assert run.status == "Completed"
    assert [round(r.delay, 3) for r in sim.trace.of(_retry_records())] == [1.0, 86400.0]


async def test_function_level_errors_retry_with_their_own_counter() -> None:
    client = _client("retry-fn")
    calls = {"n": 0}

    body = _flaky(2, 1)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="r/f"), retries=2)
    async def flaky_fn(ctx: inngest.Context) -> str:
        await ctx.step.run("first", body)  # type: ignore[arg-type]
        calls["n"] += 1
        if calls["n"] <= 2:
            raise RuntimeError("between steps")
        return "done"

    async with Simulator(client, [flaky_fn], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(flaky_fn)

    assert run.status == "Completed"
    # Step "first" used attempts 0-2; the code after it starts again at attempt 0.
    assert [(r.step_id, r.attempt, r.status) for r in run.requests][3:] == [
        ("step", 0, 500),
        ("step", 1, 500),
        ("step", 2, 200),
    ]


async def test_function_error_after_last_attempt_fails_with_sdk_error_body() -> None:
    client = _client("retry-fn-fail")

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="r/ff"), retries=1)
    async def always(ctx: inngest.Context) -> None:
        raise KeyError("missing")

    async with Simulator(client, [always], backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(always)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "KeyError"
    assert "missing" in run.error["message"]
    assert [r.attempt for r in run.requests] == [0, 1]


def _retry_records() -> type:
    from inngest_sim.trace import RetryScheduled

    return RetryScheduled


async def test_a_non_retriable_step_run_immediately_is_recorded_on_that_step() -> None:
    client = _client("retry-nonretriable-immediate")

    @client.create_function(fn_id="m", trigger=inngest.TriggerEvent(event="r/m"), retries=2)
    async def moderate(ctx: inngest.Context) -> None:
        async def refuse() -> None:
            raise inngest.NonRetriableError("refused")

        await ctx.step.run("first", lambda: 1)
        await ctx.step.run("moderate", refuse)

    async with Simulator(client, [moderate]) as sim:
        run = await sim.run(moderate)

    # The SDK answers at function level and names no step; the probe saw the body.
    assert run.status == "Failed"
    assert [a.outcome for a in run.steps["moderate"].attempts] == ["failed"]
    assert run.steps["moderate"].attempts[0].error["name"] == "NonRetriableError"  # type: ignore[index]


async def test_a_seed_gives_the_same_retry_schedule_whatever_order_runs_finish_in() -> None:
    async def schedule(seed: int) -> list[tuple[str, str, int, float]]:
        client = _client("retry-seeded")
        failures: dict[str, int] = {}

        @client.create_function(fn_id="job", trigger=inngest.TriggerEvent(event="r/job"))
        async def job(ctx: inngest.Context) -> None:
            name = str(ctx.event.data["name"])

            async def flaky() -> None:
                await asyncio.to_thread(lambda: None)  # finishes on a thread's schedule
                failures[name] = failures.get(name, 0) + 1
                if failures[name] <= 2:
                    raise ConnectionError("try again")

            await ctx.step.run("work", flaky)

        async with Simulator(client, [job], seed=seed, start=START) as sim:
            await sim.send([{"name": "r/job", "data": {"name": n}} for n in "abcd"])
            runs = await sim.settle()
        return sorted(
            (str(run.event["data"]["name"]), a.outcome, a.number, (a.start - START).total_seconds())
            for run in runs
            for a in run.steps["work"].attempts
        )

    first = await schedule(7)
    assert first == await schedule(7)
    assert first != await schedule(8)
    assert len({start for name, _, n, start in first if n == 1}) > 1  # jitter differs per run
