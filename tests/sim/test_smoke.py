from __future__ import annotations

import inngest

from inngest_sim import Simulator


async def test_a_two_step_function_completes_with_its_return_value() -> None:
    client = inngest.Inngest(app_id="smoke", is_production=False)

    @client.create_function(fn_id="add", trigger=inngest.TriggerEvent(event="smoke/add"))
    async def add(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 2)
        b = await ctx.step.run("b", lambda: 3)
        return a + b

    async with Simulator(client, [add]) as sim:
        run = await sim.run(add)

    assert run.status == "Completed"
    assert run.output == 5
    assert [r.ops for r in run.requests] == [("StepRun:a",), ("StepRun:b",), ()]
