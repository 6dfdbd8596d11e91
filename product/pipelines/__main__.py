"""``python -m pipelines``: the product's command line.

Commands:
  demo   the four pipelines on the simulator, on embedded defaults, with a report
  seed   create the sample lecture in the default data directory (for a served app)

``seed`` reads the same environment as the app (``LECTURE_MEDIA_DATA_DIR``,
``LECTURE_STORE_URL``, ``LECTURE_ASSET_STORE_URL``), so the served functions find the
lecture. Mistakes (a bad option, an unknown fault rule) print one line and exit with
status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import PipelineError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the four pipelines on the simulator")
    demo.add_argument("--out", type=Path, default=Path("inngest-sim-out"), help="output folder")
    demo.add_argument("--segments", type=int, default=6, help="lecture segments (default 6)")
    demo.add_argument("--chunk-size", type=int, default=5, help="parallel steps per chunk")
    demo.add_argument("--seed", type=int, default=0, help="seed for jitter and ids")
    demo.add_argument(
        "--fault",
        action="append",
        default=None,
        metavar="RULE",
        help="a fault rule such as transient:image-1-*:first=2 (replaces the default faults)",
    )
    demo.add_argument("--no-faults", action="store_true", help="no injected faults or refusals")

    seed = commands.add_parser("seed", help="create the sample lecture")
    seed.add_argument("--lecture-id", default="sample-lecture")
    seed.add_argument("--user-id", default="demo-user")
    seed.add_argument("--segments", type=int, default=6)
    seed.add_argument(
        "--sensitive", type=int, action="append", default=[], help="segment to mark [sensitive]"
    )
    seed.add_argument("--replace", action="store_true", help="overwrite an existing lecture")
    return parser


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from pipelines.demo import DEFAULT_FAULTS, DemoOptions, run_demo

    if args.segments < 1 or args.chunk_size < 1:
        raise ValueError("--segments and --chunk-size must be at least 1")
    # Checked before the run: a wrong path must not cost the run.
    if args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out}: is a file; give a folder for media, trace and report")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out {args.out}: cannot create it ({exc.strerror})") from None
    options = DemoOptions(
        out=args.out,
        segments=args.segments,
        chunk_size=args.chunk_size,
        seed=args.seed,
        faults=tuple(args.fault) if args.fault else DEFAULT_FAULTS,
        no_faults=args.no_faults,
    )
    return asyncio.run(run_demo(options))


def _seed(args: argparse.Namespace) -> int:
    from pipelines.client import default_services
    from pipelines.functions import TRIGGERS
    from pipelines.store import create_sample_lecture

    lecture = create_sample_lecture(
        default_services().store,
        lecture_id=args.lecture_id,
        segments=args.segments,
        owner_user_id=args.user_id,
        sensitive_segments=args.sensitive,
        replace=args.replace,
    )
    data = {"lecture_id": lecture.id, "user_id": lecture.owner_user_id, "force": False}
    print(f"created lecture {lecture.id!r} with {len(lecture.segments)} segments; send one of:")
    for event in TRIGGERS.values():
        print(json.dumps({"name": event, "data": data}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    command = {"demo": _demo, "seed": _seed}[args.command]
    try:
        return command(args)
    except (PipelineError, ValueError) as err:
        # inngest_sim.InvalidArgument (a bad --fault rule) is a ValueError too.
        print(f"python -m pipelines {args.command}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
