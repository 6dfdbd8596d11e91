"""Run state past 4 MiB - 1 KiB: the SDK fetches state through the run-state API."""

from __future__ import annotations

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import ApiCalled, RequestSent

MiB = 1024 * 1024


async def test_ten_steps_of_one_mib_complete_through_use_api() -> None:
    client = inngest.Inngest(app_id="big-state", is_production=False)
    executed: list[int] = []

    def chunk(i: int) -> object:
        async def body() -> str:
            executed.append(i)
            return str(i) * MiB

        return body

    bodies = [chunk(i) for i in range(10)]

    @client.create_function(fn_id="big", trigger=inngest.TriggerEvent(event="big/state"))
    async def big(ctx: inngest.Context) -> list[int]:
        sizes = []
        for i, body in enumerate(bodies):
            sizes.append(len(await ctx.step.run(f"chunk-{i}", body)))  # type: ignore[arg-type]
        return sizes

    async with Simulator(client, [big]) as sim:
        run = await sim.run(big)
        api_calls = [(r.method, r.path) for r in sim.trace.of(ApiCalled)]

    assert run.status == "Completed", run.error
    assert run.output == [MiB] * 10
    assert sorted(executed) == list(range(10))  # every body exactly once
    use_api = [r.use_api for r in sim.trace.of(RequestSent)]
    assert use_api[:4] == [False] * 4  # up to 4 MiB - 1 KiB the state travels inline
    assert all(use_api[5:])
    assert ("GET", f"/v0/runs/{run.run_id}/actions") in api_calls
    assert ("GET", f"/v0/runs/{run.run_id}/batch") in api_calls
    assert run.state_bytes > 10 * MiB
