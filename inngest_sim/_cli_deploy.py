"""``inngest-sim check-deploy MODULE:ATTR --runs DIR``: the deploy check from the shell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim._cli_run import load_target
from inngest_sim.history import check_deploy, load_histories

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["check_deploy_target"]


async def check_deploy_target(target: str, runs: Path) -> int:
    """Print one line per history; 0 when every run continues unchanged, 1 otherwise.

    Unreadable input (the target, the folder, any history) raises ``InvalidArgument``
    before a request is sent, which the command line turns into status 2.
    """
    histories = load_histories(runs)  # read first: a bad file costs no import
    client, functions, _ = load_target(target)
    report = await check_deploy(client, functions, histories)
    print(report.render())
    return 0 if report.ok else 1
