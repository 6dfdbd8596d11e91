"""Golden run histories in a test suite: recorded on request, checked on every run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._simulator.deploy import check_deploy

if TYPE_CHECKING:
    from inngest_sim._views.results import RunResult

__all__ = ["GoldenHistories"]

RECORD_FLAG = "--inngest-sim-record-histories"


class GoldenHistories:
    """A folder of golden run histories, as snapshot tools keep snapshots.

    ``keep(run, name)`` writes the run's history as ``<folder>/<name>.json`` when
    recording (``--inngest-sim-record-histories``), and otherwise only insists that the
    file exists: a missing golden fails the test rather than appearing silently. The
    deploy check (``check_deploy``) reads the folder and never writes it.
    """

    def __init__(self, folder: str | Path, *, record: bool = False) -> None:
        self.folder = Path(folder)
        self.record = record

    def path(self, name: str) -> Path:
        """Where the golden history called ``name`` lives."""
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise InvalidArgument(
                f"golden history name {name!r}: give a plain file name such as 'images-asleep'"
            )
        return self.folder / f"{name}.json"

    def keep(self, run: RunResult, name: str) -> Path:
        """Record ``run``'s history as golden ``name`` (when recording); returns its path."""
        path = self.path(name)
        if self.record:
            return run.save_history(path)
        if not path.is_file():
            raise AssertionError(
                f"no golden history {path}; run the tests with {RECORD_FLAG} to record it"
            )
        return path

    async def check(self, client: Any, functions: Any, **simulator_options: Any) -> None:
        """Check every golden in the folder against the current code; fail with the report."""
        report = await check_deploy(client, functions, self.folder, **simulator_options)
        if not report.verdicts:
            raise AssertionError(
                f"no golden histories in {self.folder}; record some with {RECORD_FLAG}"
            )
        if not report.ok:
            raise AssertionError("runs in flight would not survive this code:\n" + report.render())
