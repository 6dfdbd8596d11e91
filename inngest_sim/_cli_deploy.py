"""``inngest-sim check-deploy MODULE:ATTR --runs DIR``: the deploy check from the shell."""

from __future__ import annotations

from pathlib import Path

from inngest_sim._cli_run import load_target
from inngest_sim.history import check_deploy, load_histories

__all__ = ["check_deploy_target"]


async def check_deploy_target(target: str, runs: Path, report: Path | None = None) -> int:
    """Print one line per history; 0 when every run continues unchanged, 1 otherwise.

    With ``report``, each run that would not continue unchanged gets an HTML report and a
    Perfetto trace there, with a ``replay_diverged`` mark where the new code differs.

    Unreadable input (the target, the folder, any history) raises ``InvalidArgument``
    before a request is sent, which the command line turns into status 2.
    """
    histories = load_histories(runs)  # read first: a bad file costs no import
    client, functions, _ = load_target(target)
    result = await check_deploy(client, functions, histories)
    print(result.render())
    if report is not None:
        from inngest_sim.report import write_html, write_perfetto

        for verdict in result.unsafe:
            name = Path(verdict.name).stem
            write_html(verdict.trace(), report / f"{name}.html")
            write_perfetto(verdict.trace(), report / f"{name}.perfetto.json")
            print(f"report: {report / name}.html")
    return 0 if result.ok else 1
