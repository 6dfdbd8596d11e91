"""The functions the benchmark runs, each built on a client it is given.

The simulator and ``mocked.trigger`` run the very same function bodies, built
once on a real client (for the simulator) and once on a ``mocked.Inngest``.
"""

from __future__ import annotations

from typing import Any

import inngest

CHUNK = 5
SMALL_STEPS = 10

# The property test's fan-out: a planning step, then 12 assets in chunks of 5.
ASSETS = [f"asset-{i}" for i in range(12)]
FANOUT_RETRIES = 2


def sequential(client: Any, n: int) -> Any:
    @client.create_function(fn_id=f"seq-{n}", trigger=inngest.TriggerEvent(event="bench/seq"))
    async def fn(ctx: Any) -> int:
        total = 0
        for i in range(n):
            total += await ctx.step.run(f"step-{i}", lambda i=i: i)
        return total

    return fn


def chunked(client: Any, n: int) -> Any:
    """Chunks of ``CHUNK`` steps with ``ctx.group.parallel``; the last may be shorter."""

    @client.create_function(fn_id=f"chunk-{n}", trigger=inngest.TriggerEvent(event="bench/chunk"))
    async def fn(ctx: Any) -> int:
        total = 0
        for start in range(0, n, CHUNK):
            group = tuple(
                (lambda i=i: ctx.step.run(f"step-{i}", lambda: i))
                for i in range(start, min(start + CHUNK, n))
            )
            total += sum(await ctx.group.parallel(group))
        return total

    return fn


BUILDERS = {"seq": sequential, "chunk": chunked}


def fanout(client: Any) -> Any:
    @client.create_function(
        fn_id="fanout",
        trigger=inngest.TriggerEvent(event="bench/fanout"),
        retries=FANOUT_RETRIES,
    )
    async def fn(ctx: Any) -> list[str]:
        assets = await ctx.step.run("plan", lambda: list(ASSETS))
        done: list[str] = []
        for start in range(0, len(assets), CHUNK):
            group = tuple(
                (lambda a=a: ctx.step.run(a, lambda: f"{a}.png"))
                for a in assets[start : start + CHUNK]
            )
            done += await ctx.group.parallel(group)
        return done

    return fn
