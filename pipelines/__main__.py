"""``python -m pipelines seed``: create the sample lecture in the default data directory.

Reads the same environment as the app (``LECTURE_MEDIA_DATA_DIR``,
``LECTURE_MEDIA_DATABASE_URL``), so the served functions find the lecture.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from pipelines.client import default_services
from pipelines.errors import PipelineError
from pipelines.functions import TRIGGERS
from pipelines.store import create_sample_lecture

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m pipelines")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed", help="create the sample lecture")
    seed.add_argument("--lecture-id", default="sample-lecture")
    seed.add_argument("--user-id", default="demo-user")
    seed.add_argument("--segments", type=int, default=6)
    seed.add_argument(
        "--sensitive", type=int, action="append", default=[], help="segment to mark [sensitive]"
    )
    seed.add_argument("--replace", action="store_true", help="overwrite an existing lecture")
    args = parser.parse_args(argv)
    try:
        lecture = create_sample_lecture(
            default_services().store,
            lecture_id=args.lecture_id,
            segments=args.segments,
            owner_user_id=args.user_id,
            sensitive_segments=args.sensitive,
            replace=args.replace,
        )
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    data = {"lecture_id": lecture.id, "user_id": lecture.owner_user_id, "force": False}
    print(f"created lecture {lecture.id!r} with {len(lecture.segments)} segments; send one of:")
    for event in TRIGGERS.values():
        print(json.dumps({"name": event, "data": data}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
