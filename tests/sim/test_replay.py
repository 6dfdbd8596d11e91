"""The replay-safety check: same path on every replay, or the first divergence named."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import inngest
import pytest

from inngest_sim import InvalidArgument, Limits, NondeterminismError, Simulator


async def test_a_deterministic_function_replays_the_same_from_every_prefix() -> None:
    client = inngest.Inngest(app_id="replay-ok", is_production=False)
    executed: list[str] = []

    @client.create_function(fn_id="ok", trigger=inngest.TriggerEvent(event="r/ok"))
    async def ok(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: executed.append("a") or 1)
        pair = await ctx.group.parallel(
            (lambda: ctx.step.run("b", lambda: 2), lambda: ctx.step.run("c", lambda: 3))
        )
        await ctx.step.sleep("nap", dt.timedelta(hours=1))
        return a + sum(pair)

    async with Simulator(client, [ok]) as sim:
        run = await sim.run(ok)
        before = len(executed)
        report = await sim.check_replay(run)

    assert report.ok
    assert len(report.prefixes) == run.step_count + 1
    assert report.prefixes[0] == ("a",)
    assert report.prefixes[1] == ("b", "c")
    assert report.prefixes[-1] == ("done",)
    assert len(executed) == before  # the check never runs a step body


async def test_random_step_ids_are_named_at_the_first_divergence() -> None:
    client = inngest.Inngest(app_id="replay-random", is_production=False)
    counter = itertools.count()

    @client.create_function(fn_id="rand", trigger=inngest.TriggerEvent(event="r/rand"))
    async def rand(ctx: inngest.Context) -> None:
        await ctx.step.run("fetch", lambda: 1)
        # A step id that changes on every replay, like one built from uuid4().
        await ctx.step.run(f"upload-{next(counter)}", lambda: 2)

    # On Inngest such a run never finds its memo and loops to the step limit;
    # a low limit keeps the test fast.
    async with Simulator(client, [rand], limits=Limits(max_steps=5)) as sim:
        run = await sim.run(rand)
        assert run.status == "Failed"
        with pytest.raises(
            NondeterminismError, match=r"after 1 saved steps .*upload-\d+.*never had"
        ):
            await sim.check_replay(run)
        # Or as a report: the same divergence, and the prefixes replayed up to it.
        report = await sim.check_replay(run, raise_on_divergence=False)

    assert not report.ok
    assert report.divergence is not None
    assert re.search(r"after 1 saved steps .*upload-\d+.*never had", report.divergence)
    assert len(report.prefixes) == 2


async def test_branching_on_the_clock_is_caught() -> None:
    client = inngest.Inngest(app_id="replay-clock", is_production=False)
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    @client.create_function(fn_id="clock", trigger=inngest.TriggerEvent(event="r/clock"))
    async def clock(ctx: inngest.Context) -> str:
        # Wrong: the branch is taken again on every replay, at a later time.
        if dt.datetime.now(dt.UTC) < start + dt.timedelta(hours=1):
            await ctx.step.run("early", lambda: "early")
        else:
            await ctx.step.run("late", lambda: "late")
        await ctx.step.sleep("wait", dt.timedelta(hours=2))
        return "done"

    async with Simulator(client, [clock], start=start) as sim:
        run = await sim.run(clock)
        assert run.status == "Completed"
        with pytest.raises(NondeterminismError, match="'late'"):
            await sim.check_replay(run)


async def test_a_step_that_disappears_is_caught() -> None:
    client = inngest.Inngest(app_id="replay-vanish", is_production=False)
    seen = {"n": 0}

    @client.create_function(fn_id="vanish", trigger=inngest.TriggerEvent(event="r/v"))
    async def vanish(ctx: inngest.Context) -> None:
        seen["n"] += 1
        if seen["n"] == 1:
            await ctx.step.run("only-once", lambda: 1)
        await ctx.step.run("always", lambda: 2)

    async with Simulator(client, [vanish]) as sim:
        run = await sim.run(vanish)
        with pytest.raises(NondeterminismError, match="'only-once' is missing"):
            await sim.check_replay(run)


async def test_checking_a_running_run_is_refused() -> None:
    client = inngest.Inngest(app_id="replay-running", is_production=False)

    @client.create_function(fn_id="w", trigger=inngest.TriggerEvent(event="r/w"))
    async def waits(ctx: inngest.Context) -> None:
        await ctx.step.wait_for_event("wait", event="r/never", timeout=dt.timedelta(days=1))

    async with Simulator(client, [waits]) as sim:
        (event_id,) = await sim.send({"name": "r/w"})
        await sim.advance(dt.timedelta(minutes=1))
        (run,) = sim.runs_for(event_id)
        with pytest.raises(InvalidArgument, match="still running"):
            await sim.check_replay(run)
