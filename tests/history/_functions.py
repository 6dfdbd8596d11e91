"""One function in variants: the old code, and each kind of change a deploy can make."""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest

#: Every body that ran, by step id: the check must add nothing here.
BODIES: list[str] = []


def body(step: str, value: Any) -> Any:
    BODIES.append(step)
    return value


def make(variant: str = "old") -> tuple[inngest.Inngest, inngest.Function[Any]]:
    """``fetch`` → sleep ``nap`` → ``total``, changed as ``variant`` says."""
    client = inngest.Inngest(app_id="deploy-app", is_production=False)

    @client.create_function(fn_id="flow", trigger=inngest.TriggerEvent(event="app/go"))
    async def flow(ctx: inngest.Context) -> dict[str, Any]:
        if variant == "insert_first":
            await ctx.step.run("audit", lambda: body("audit", 0))
        fetch_id = "download" if variant == "rename" else "fetch"
        if variant == "body_changed":
            fetched = await ctx.step.run(fetch_id, lambda: body("fetch", {"n": 40 + 1}))
        else:
            fetched = await ctx.step.run(fetch_id, lambda: body("fetch", {"n": 41}))
        n = fetched["count"] if variant == "output_shape" else fetched["n"]
        if variant == "reorder":
            await ctx.step.run("total", lambda: body("total", n + 1))
        nap = "rest" if variant == "rename_sleep" else "nap"
        await ctx.step.sleep(nap, dt.timedelta(hours=1))
        if variant != "skip_total":
            total = await ctx.step.run("total", lambda: body("total", n + 1))
        else:
            total = n
        if variant == "append":
            await ctx.step.run("notify", lambda: body("notify", None))
        return {"total": total}

    return client, flow
