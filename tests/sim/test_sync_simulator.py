from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import SyncSimulator


def test_sync_simulator_runs_functions_from_a_plain_test() -> None:
    client = inngest.Inngest(app_id="sync-sim", is_production=False)

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="s/nap"))
    async def nap(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(days=3))
        return await ctx.step.run("wake", lambda: "awake")

    with SyncSimulator(client, [nap]) as sim:
        run = sim.run(nap)
        assert len(sim.trace) > 0

    assert run.status == "Completed"
    assert run.output == "awake"
    assert run.virtual_duration == dt.timedelta(days=3)
    assert run.wall_seconds < 5
