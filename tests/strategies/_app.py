"""A small image pipeline for property tests: a planning step, then a parallel group."""

from __future__ import annotations

import asyncio
from typing import Any

import inngest

from inngest_sim import FaultPlan, RunResult, Simulator

client = inngest.Inngest(app_id="strategies", is_production=False)
RETRIES = 4
STEPS = ["plan", "image-0", "image-1", "image-2"]


@client.create_function(
    fn_id="images", trigger=inngest.TriggerEvent(event="lecture/images"), retries=RETRIES
)
async def images(ctx: inngest.Context) -> list[str]:
    count = await ctx.step.run("plan", lambda: int(ctx.event.data.get("count", 3)))
    group = tuple(
        (lambda i=i: ctx.step.run(f"image-{i}", lambda: f"image-{i}.png")) for i in range(count)
    )
    return list(await ctx.group.parallel(group))  # type: ignore[arg-type]


def simulate(plan: FaultPlan, seed: int, event: dict[str, Any] | None = None) -> RunResult:
    """One run of ``images`` under ``plan``, on a fresh loop (Hypothesis tests are sync)."""

    async def go() -> RunResult:
        async with Simulator(client, [images], seed=seed, faults=plan) as sim:
            return await sim.run(images, event=event)

    return asyncio.run(go())
