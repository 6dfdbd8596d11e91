"""check_replay under a later wall clock and fresh randomness: code outside steps that reads
the time or draws random numbers, and takes another path, is named with the fix."""

from __future__ import annotations

import datetime as dt
import random

import inngest
import pytest

from inngest_sim import NondeterminismError, Simulator

client = inngest.Inngest(app_id="worlds-app", is_production=False)
MORNING = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@client.create_function(fn_id="greet", trigger=inngest.TriggerEvent(event="app/greet"))
async def greet(ctx: inngest.Context) -> str:
    await ctx.step.run("load", lambda: 1)
    # The hour is read outside a step: a run resumed in the afternoon takes the other branch.
    if dt.datetime.now(dt.UTC).hour < 12:
        await ctx.step.run("good-morning", lambda: "morning")
    else:
        await ctx.step.run("good-afternoon", lambda: "afternoon")
    return "greeted"


@client.create_function(fn_id="pick", trigger=inngest.TriggerEvent(event="app/pick"))
async def pick(ctx: inngest.Context) -> str:
    await ctx.step.run("load", lambda: 1)
    # Drawn outside a step: a replay returns another shard than the run did.
    return f"shard-{random.getrandbits(32)}"


@client.create_function(fn_id="steady", trigger=inngest.TriggerEvent(event="app/steady"))
async def steady(ctx: inngest.Context) -> str:
    now = await ctx.step.run("now", lambda: dt.datetime.now(dt.UTC).hour)
    await ctx.step.run("good-morning" if now < 12 else "good-afternoon", lambda: "hi")
    return "greeted"


async def test_a_branch_on_the_hour_outside_steps_is_named() -> None:
    async with Simulator(client, [greet], freeze_time=True, start=MORNING) as sim:
        run = await sim.run(greet, {})
        with pytest.raises(NondeterminismError) as caught:
            await sim.check_replay(run)

    message = str(caught.value)
    assert "under the wall clock 13 hours later: after 1 saved steps (… load)" in message
    assert "answered steps ['good-afternoon'] where it had answered steps ['good-morning']" in (
        message
    )
    assert "code outside steps reads the time" in message
    assert "read it inside a step" in message


async def test_reading_the_time_inside_a_step_is_replay_safe() -> None:
    async with Simulator(client, [steady], freeze_time=True, start=MORNING) as sim:
        run = await sim.run(steady, {})
        report = await sim.check_replay(run)

    assert report.ok


async def test_a_result_drawn_at_random_is_named_under_fresh_randomness() -> None:
    async with Simulator(client, [pick]) as sim:
        random.seed(7)
        run = await sim.run(pick, {})
        random.seed(7)  # the same numbers again: a plain replay cannot see the draw
        report = await sim.check_replay(run, raise_on_divergence=False)

    assert not report.ok
    assert report.divergence is not None
    assert "under fresh randomness (random reseeded)" in report.divergence
    assert "code outside steps draws random numbers" in report.divergence


async def test_the_worlds_can_be_turned_off() -> None:
    async with Simulator(client, [greet], freeze_time=True, start=MORNING) as sim:
        run = await sim.run(greet, {})
        report = await sim.check_replay(run, worlds=False)

    assert report.ok
