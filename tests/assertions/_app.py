"""Functions with known shapes for the assertion tests: good ones and broken ones."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import inngest

from inngest_sim import Backoff, RunResult, Simulator

client = inngest.Inngest(app_id="assertions", is_production=False)


def _event(name: str) -> inngest.TriggerEvent:
    return inngest.TriggerEvent(event=f"assertions/{name}")


@client.create_function(fn_id="sequential", trigger=_event("sequential"), retries=4)
async def sequential(ctx: inngest.Context) -> int:
    a = await ctx.step.run("a", lambda: 1)
    b = await ctx.step.run("b", lambda: 2)
    return a + b


@client.create_function(fn_id="gathered", trigger=_event("gathered"))
async def gathered(ctx: inngest.Context) -> list[str]:
    async def body(name: str) -> str:
        return name

    # The bug the assertions must catch: every pending body runs on each request.
    steps = (ctx.step.run(f"s{i}", body, f"s{i}") for i in range(3))
    return list(await asyncio.gather(*steps))


@client.create_function(fn_id="fanned", trigger=_event("fanned"), retries=4)
async def fanned(ctx: inngest.Context) -> list[int]:
    n = int(ctx.event.data.get("n", 3))
    group = tuple((lambda i=i: ctx.step.run(f"image-{i}", lambda: i)) for i in range(n))
    return list(await ctx.group.parallel(group))  # type: ignore[arg-type]


@client.create_function(fn_id="chunked", trigger=_event("chunked"), retries=4)
async def chunked(ctx: inngest.Context) -> list[int]:
    size, total = int(ctx.event.data.get("size", 2)), int(ctx.event.data.get("total", 6))
    out: list[int] = []
    for start in range(0, total, size):
        group = tuple(
            (lambda i=i: ctx.step.run(f"image-{i}", lambda: i))
            for i in range(start, min(start + size, total))
        )
        out += await ctx.group.parallel(group)  # type: ignore[arg-type]
    return out


@client.create_function(fn_id="refuses", trigger=_event("refuses"), retries=2)
async def refuses(ctx: inngest.Context) -> None:
    def refuse() -> None:
        raise inngest.NonRetriableError("sensitive content")

    await ctx.step.run("moderate", refuse)


@client.create_function(fn_id="waits", trigger=_event("waits"))
async def waits(ctx: inngest.Context) -> str:
    await ctx.step.sleep("nap", dt.timedelta(minutes=1))
    await ctx.step.send_event("announce", inngest.Event(name="assertions/announced"))
    await ctx.step.invoke("child", function=sequential)
    await ctx.step.wait_for_event("reply", event="assertions/never", timeout=dt.timedelta(hours=1))
    return str(await ctx.step.run("finish", lambda: "done"))


FUNCTIONS = [sequential, gathered, fanned, chunked, refuses, waits]


async def run(
    fn: inngest.Function[Any], data: dict[str, Any] | None = None, **options: Any
) -> RunResult:
    """Run ``fn`` once in a fresh simulator with exact (jitter-free) backoff."""
    options.setdefault("backoff", Backoff(jitter=0))
    async with Simulator(client, FUNCTIONS, **options) as sim:
        return await sim.run(fn, data=data)
