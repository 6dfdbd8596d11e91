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

from inngest_sim._history.format import FORMAT, VERSION, HistoryStep, PendingStep, RunHistory
from inngest_sim._history.read import HistoryError, history_from_dict, load_histories, load_history
from inngest_sim._history.verdict import KINDS, DeployReport, RunVerdict
from inngest_sim._simulator.deploy import check_deploy
from inngest_sim._simulator.golden import GoldenHistories

__all__ = [
    "FORMAT",
    "KINDS",
    "VERSION",
    "DeployReport",
    "GoldenHistories",
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
