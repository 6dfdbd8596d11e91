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
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import inngest
from inngest._internal.comm_lib.handler import CommHandler
from inngest.experimental import mocked

from inngest_sim import Limits, Simulator

STEPS = int(os.environ.get("BENCH_STEPS", "1000"))
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


_REAL = {"clock": time.perf_counter}  # freezegun leaves functions inside a dict alone


class SdkTimer:
    """Times the SDK's own work on each execution request: parsing the request and
    its memos, replaying the function, building the response.

    Wraps the SDK's request handler (``CommHandler.post``) for the benchmark only.
    Overlapping requests (parallel steps) are merged, so each instant counts once.
    What is left of a run's wall time is inngest_sim's: the executor, the HTTP
    client and the ASGI hop.
    """

    def __init__(self) -> None:
        self.intervals: list[tuple[float, float]] = []
        self._original = CommHandler.post

    def __enter__(self) -> SdkTimer:
        original, intervals, clock = self._original, self.intervals, _REAL["clock"]

        async def timed(fn: Any, *args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return await original(fn, *args, **kwargs)
            finally:
                intervals.append((started, clock()))

        CommHandler.post = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        CommHandler.post = self._original  # type: ignore[method-assign]

    def busy(self) -> float:
        total, end = 0.0, float("-inf")
        for start, stop in sorted(self.intervals):
            if stop > end:
                total += stop - max(start, end)
                end = stop
        return total


async def simulate(build: Callable[[Any], Any]) -> tuple[float, float]:
    client = inngest.Inngest(app_id="bench", is_production=False)
    fn = build(client)
    with SdkTimer() as sdk:
        async with Simulator(client, [fn], limits=Limits(max_steps=STEPS + 1)) as sim:
            run = await sim.run(fn)
    assert run.status == "Completed", run.error
    assert run.output == sum(range(STEPS))
    # freezegun freezes time.perf_counter inside the simulator; the trace
    # records real wall time.
    wall = run.wall_seconds
    return wall, max(0.0, wall - sdk.busy()) / wall


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
