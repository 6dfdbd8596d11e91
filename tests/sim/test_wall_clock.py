"""What is virtual in function code: wall-clock reads; and what is not: monotonic clocks."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import inngest

from inngest_sim import Backoff, Simulator

START = dt.datetime(2031, 6, 1, tzinfo=dt.UTC)


async def test_a_body_that_polls_until_a_wall_clock_deadline_finishes() -> None:
    client = inngest.Inngest(app_id="wall-poll", is_production=False)
    polls: list[int] = []

    @client.create_function(fn_id="poll", trigger=inngest.TriggerEvent(event="w/poll"), retries=0)
    async def poll(ctx: inngest.Context) -> int:
        async def until_deadline() -> int:
            # A provider client polling with a deadline, as real ones do.
            deadline = time.time() + 0.05
            mono_deadline = time.monotonic() + 0.05
            while time.time() < deadline or time.monotonic() < mono_deadline:
                polls.append(1)
                await asyncio.sleep(0.005)
            return len(polls)

        return await ctx.step.run("poll", until_deadline)

    async with Simulator(client, [poll], start=START, request_timeout=10) as sim:
        run = await sim.run(poll)

    assert run.status == "Completed", run.error
    assert run.output >= 2
    assert run.wall_seconds < 5


async def test_outside_bodies_the_wall_clock_stands_at_the_virtual_instant() -> None:
    client = inngest.Inngest(app_id="wall-frozen", is_production=False)
    seen: list[float] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="w/f"))
    async def f(ctx: inngest.Context) -> None:
        seen.append(time.time())  # function code outside any step, on every request
        await ctx.step.run("work", lambda: None)
        await ctx.step.sleep("nap", dt.timedelta(hours=2))

    async with Simulator(client, [f], start=START) as sim:
        run = await sim.run(f)

    assert run.status == "Completed"
    two_hours = START + dt.timedelta(hours=2)
    assert seen[0] == START.timestamp()
    assert seen[-1] == two_hours.timestamp()
    # The sleep's end was computed from a clock that stood still: exactly two hours.
    assert run.virtual_duration == dt.timedelta(hours=2)


async def test_monotonic_and_performance_counters_stay_real() -> None:
    client = inngest.Inngest(app_id="wall-mono", is_production=False)

    @client.create_function(fn_id="m", trigger=inngest.TriggerEvent(event="w/m"))
    async def m(ctx: inngest.Context) -> list[float]:
        return await ctx.step.run("read", lambda: [time.monotonic(), time.perf_counter()])

    before = (time.monotonic(), time.perf_counter())
    async with Simulator(client, [m], start=START) as sim:
        run = await sim.run(m)
        inside_sim = (time.monotonic(), time.perf_counter())
    after = (time.monotonic(), time.perf_counter())

    mono, perf = run.output
    assert before[0] <= mono <= inside_sim[0] <= after[0]
    assert before[1] <= perf <= inside_sim[1] <= after[1]


async def test_a_retry_after_error_built_in_a_body_waits_exactly_its_delay() -> None:
    client = inngest.Inngest(app_id="wall-retry", is_production=False)
    attempts: list[int] = []

    @client.create_function(fn_id="r", trigger=inngest.TriggerEvent(event="w/r"))
    async def r(ctx: inngest.Context) -> str:
        def body() -> str:
            attempts.append(1)
            if len(attempts) == 1:
                raise inngest.RetryAfterError("later", dt.timedelta(seconds=45))
            return "ok"

        return await ctx.step.run("call", body)

    async with Simulator(client, [r], start=START, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(r)

    assert run.status == "Completed"
    assert run.virtual_duration == dt.timedelta(seconds=45)


async def test_with_freeze_time_off_function_code_reads_the_real_clock() -> None:
    client = inngest.Inngest(app_id="wall-off", is_production=False)

    @client.create_function(fn_id="o", trigger=inngest.TriggerEvent(event="w/o"))
    async def o(ctx: inngest.Context) -> float:
        return await ctx.step.run("now", time.time)

    real = time.time()
    async with Simulator(client, [o], start=START, freeze_time=False) as sim:
        run = await sim.run(o)

    assert abs(run.output - real) < 60
