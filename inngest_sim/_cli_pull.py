"""``inngest-sim runs pull --from URL --out DIR``: histories of a live server's runs."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._history.pull import RunsSource

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PullOptions", "pull_runs"]


@dataclasses.dataclass(frozen=True, slots=True)
class PullOptions:
    source: str
    out: Path
    run_ids: tuple[str, ...] = ()
    app: str | None = None
    function: str | None = None
    status: str = "RUNNING"
    signing_key: str | None = None


def pull_runs(options: PullOptions) -> int:
    """Write ``<out>/<run id>.json`` for each run asked for; prints one line per run."""
    if bool(options.app) != bool(options.function):
        raise InvalidArgument("--app and --function go together: the function's runs")
    if not options.run_ids and not options.function:
        raise InvalidArgument("say which runs: --run ID (repeatable), or --app APP --function FN")
    if options.out.exists() and not options.out.is_dir():
        raise InvalidArgument(f"--out {options.out}: is a file; give a folder for the histories")
    with RunsSource(options.source, signing_key=options.signing_key) as source:
        run_ids = list(options.run_ids)
        if options.app and options.function:
            run_ids += source.run_ids(options.app, options.function, options.status or None)
        for run_id in run_ids:
            history = source.history(run_id)
            path = history.save(options.out / f"{run_id}.json")
            print(f"{path}: {history.function_id} ({history.describe()})")
    print(f"{len(run_ids)} run(s) written to {options.out}")
    return 0
