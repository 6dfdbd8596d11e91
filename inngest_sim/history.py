"""Run histories and the deploy check: will the runs in flight survive the new code?

A run history is one run's state as Inngest holds it between two requests: its
events, its memoized steps in the order they were saved, and where it stands. Save
one from any run (``RunResult.save_history(path)``), keep a folder of them, and check
them against the code you are about to deploy::

    report = await check_deploy(client, functions, runs="tests/histories")
    assert report.ok, report.render()

Each history is resumed exactly as the server would resume it (its memos in the
server's request shape, through the real SDK), with no step body running, and gets a
verdict: continues unchanged, would re-run a completed step, would run a new step
before memoized ones, would skip or never reach a memoized step, fails to read an old
output, diverges (the SDK's non-determinism error), or finishes differently.
``docs/history-format.md`` describes the file format.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._history.format import FORMAT, VERSION, HistoryStep, PendingStep, RunHistory
from inngest_sim._history.read import HistoryError, history_from_dict, load_histories, load_history
from inngest_sim._history.verdict import KINDS, DeployReport, RunVerdict
from inngest_sim._simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "FORMAT",
    "KINDS",
    "VERSION",
    "DeployReport",
    "HistoryError",
    "HistoryStep",
    "PendingStep",
    "RunHistory",
    "RunVerdict",
    "check_deploy",
    "history_from_dict",
    "load_histories",
    "load_history",
]


def _histories(runs: str | Path | Iterable[RunHistory | str | Path]) -> list[RunHistory]:
    if isinstance(runs, str | Path):
        path = Path(runs)
        return load_histories(path) if path.is_dir() else [load_history(path)]
    found: list[RunHistory] = []
    for item in runs:
        if isinstance(item, RunHistory):
            found.append(item)
        elif isinstance(item, str | Path):
            found.append(load_history(item))
        else:
            raise InvalidArgument(
                f"runs: expected RunHistory objects or paths, got {type(item).__name__}"
            )
    return found


async def check_deploy(
    client: Any,
    functions: Sequence[Any],
    runs: str | Path | Iterable[RunHistory | str | Path],
    **simulator_options: Any,
) -> DeployReport:
    """Check run histories against the current code of ``functions``.

    ``runs`` is a folder of ``*.json`` histories, one file, or a list of histories or
    paths. Files are only read. A history that cannot be read, or that names a
    function ``functions`` lacks, raises ``HistoryError`` naming the file and field.
    ``simulator_options`` go to the ``Simulator`` the check opens.
    """
    histories = _histories(runs)
    async with Simulator(client, functions, **simulator_options) as sim:
        return await sim.check_deploy(histories)
