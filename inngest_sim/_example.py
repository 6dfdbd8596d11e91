"""The example function ``inngest-sim demo`` runs until the lecture pipelines land."""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest

__all__ = ["build_example"]


def build_example() -> tuple[inngest.Inngest, list[inngest.Function[Any]]]:
    client = inngest.Inngest(app_id="inngest-sim-example", is_production=False)
    attempts = {"render": 0}

    @client.create_function(
        fn_id="render-thumbnails",
        trigger=inngest.TriggerEvent(event="example/thumbnails.requested"),
        retries=3,
    )
    async def render(ctx: inngest.Context) -> dict[str, Any]:
        async def plan() -> list[int]:
            return [64, 128, 256]

        sizes = await ctx.step.run("plan", plan)

        def thumb(size: int) -> Any:
            async def body() -> dict[str, int]:
                if size == 128:
                    attempts["render"] += 1
                    if attempts["render"] < 3:
                        raise ConnectionError("provider unavailable")
                return {"size": size}

            return lambda: ctx.step.run(f"thumb-{size}", body)

        results = await ctx.group.parallel(tuple(thumb(s) for s in sizes))
        await ctx.step.sleep("cool-down", dt.timedelta(hours=1))
        return {"thumbnails": list(results)}

    return client, [render]
