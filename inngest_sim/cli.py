"""The ``inngest-sim`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


async def _demo() -> int:
    from inngest_sim import Backoff, Simulator
    from inngest_sim._example import build_example
    from inngest_sim.timeline import render_timeline

    client, functions = build_example()
    async with Simulator(client, functions, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(functions[0])
        print(render_timeline(sim.trace))
        print(
            f"\n{run.function_id}: {run.status} after {run.virtual_duration} of virtual time "
            f"({run.wall_seconds:.2f}s wall), {run.step_count} steps, "
            f"peak concurrency {run.max_concurrency()}"
        )
        return 0 if run.status == "Completed" else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="inngest-sim", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the example through the simulator")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return asyncio.run(_demo())
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
