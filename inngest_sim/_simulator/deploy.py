"""``check_deploy``: a folder (or list) of histories checked in a simulator of its own."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._history.format import RunHistory
from inngest_sim._history.read import load_histories, load_history
from inngest_sim._simulator.simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from inngest_sim._history.verdict import DeployReport

__all__ = ["check_deploy"]


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
