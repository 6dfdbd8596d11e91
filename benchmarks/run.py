"""Benchmarks: 1,000-step functions through inngest_sim beside ``mocked.trigger``.

Run on demand (``make bench``), not in CI. Prints wall times, the ratio to the
SDK's own ``inngest.experimental.mocked.trigger``, and the executor's overhead:
the share of a run's wall time spent outside the SDK's request handling.

Note: Inngest refuses the SDK call that would follow a run's 1,000th saved step,
so a function with exactly 1,000 steps fails on Inngest. The benchmark raises
the limit to 1,001 to measure 1,000 real steps.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import inngest
from inngest.experimental import mocked

from inngest_sim import Limits, Simulator
from inngest_sim._trace import ResponseHandled

STEPS = 1000
CHUNK = 5


def sequential(client: Any) -> Any:
    @client.create_function(fn_id="sequential", trigger=inngest.TriggerEvent(event="bench/seq"))
    async def fn(ctx: Any) -> int:
        total = 0
        for i in range(STEPS):
            total += await ctx.step.run(f"step-{i}", lambda i=i: i)
        return total

    return fn


def chunked(client: Any) -> Any:
    @client.create_function(fn_id="chunked", trigger=inngest.TriggerEvent(event="bench/chunk"))
    async def fn(ctx: Any) -> int:
        total = 0
        for start in range(0, STEPS, CHUNK):
            group = tuple(
                (lambda i=i: ctx.step.run(f"step-{i}", lambda: i))
                for i in range(start, start + CHUNK)
            )
            total += sum(await ctx.group.parallel(group))
        return total

    return fn


async def simulate(build: Callable[[Any], Any]) -> tuple[float, float]:
    client = inngest.Inngest(app_id="bench", is_production=False)
    fn = build(client)
    async with Simulator(client, [fn], limits=Limits(max_steps=STEPS + 1)) as sim:
        run = await sim.run(fn)
        # freezegun freezes time.perf_counter inside the simulator; the trace
        # records real wall time.
        wall = run.wall_seconds
        assert run.status == "Completed", run.error
        assert run.output == sum(range(STEPS))
        in_sdk = sum(r.wall_seconds for r in sim.trace.of(ResponseHandled))
    # With parallel requests the SDK time overlaps; clamp so overhead stays >= 0.
    return wall, max(0.0, wall - in_sdk) / wall


def mock(build: Callable[[Any], Any]) -> float:
    client = mocked.Inngest(app_id="bench")
    fn = build(client)
    started = time.perf_counter()
    result = mocked.trigger(fn, inngest.Event(name="bench/x"), client)
    wall = time.perf_counter() - started
    assert result.status is mocked.Status.COMPLETED, result.error
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="simulator runs per case")
    parser.add_argument("--skip-mocked", action="store_true", help="skip mocked.trigger")
    args = parser.parse_args()
    for name, build in (
        ("1,000 sequential steps", sequential),
        ("1,000 steps, chunks of 5", chunked),
    ):
        runs = [asyncio.run(simulate(build)) for _ in range(args.repeat)]
        wall = statistics.median(r[0] for r in runs)
        overhead = statistics.median(r[1] for r in runs)
        line = f"{name:<26} inngest_sim {wall:6.2f}s  executor overhead {overhead:5.1%}"
        if not args.skip_mocked:
            reference = mock(build)
            line += f"  mocked.trigger {reference:6.2f}s  ratio {wall / reference:5.1%}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
