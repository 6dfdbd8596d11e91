"""Several coroutines driving one simulator at once, and a driver that stops waiting."""

from __future__ import annotations

import asyncio
import datetime

import inngest

from inngest_sim import Simulator


def _app() -> tuple[inngest.Inngest, inngest.Function]:  # type: ignore[type-arg]
    client = inngest.Inngest(app_id="drivers", is_production=False)

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="d/nap"))
    async def nap(ctx: inngest.Context) -> list[int]:
        minutes = int(ctx.event.data["minutes"])
        await ctx.step.sleep("nap", datetime.timedelta(minutes=minutes))
        steps = tuple((lambda i=i: ctx.step.run(f"s{i}", lambda: i * minutes)) for i in range(3))
        return list(await ctx.group.parallel(steps))

    return client, nap


async def test_runs_awaited_together_all_finish() -> None:
    client, nap = _app()
    async with Simulator(client, [nap]) as sim:
        runs = await asyncio.gather(*(sim.run(nap, data={"minutes": m}) for m in (30, 5, 60)))
        # Each driver saw its own run end, whichever driver moved the clock past its sleep.
        assert [run.output for run in runs] == [[0, 30, 60], [0, 5, 10], [0, 60, 120]]
        assert all(run.status == "Completed" for run in runs)


async def test_a_driver_that_stops_waiting_leaves_the_others_driving() -> None:
    client, nap = _app()
    async with Simulator(client, [nap]) as sim:
        given_up = asyncio.ensure_future(sim.run(nap, data={"minutes": 10}))
        kept = asyncio.ensure_future(sim.run(nap, data={"minutes": 20}))
        await asyncio.sleep(0)  # both are waiting now
        given_up.cancel()
        run = await kept
        assert run.status == "Completed"
        assert run.output == [0, 20, 40]
        assert given_up.cancelled()
