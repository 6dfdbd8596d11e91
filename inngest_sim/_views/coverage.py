"""Step coverage over a test session: which paths of each function the suite exercised.

Every simulator offers its trace to the collectors open when it closes. Per function:
the runs and how they ended, the steps that ran, retried or failed for good (a
``StepError`` the code saw), the waits that matched and that timed out, the invokes,
and whether the function's ``on_failure`` handler ran. ``never`` lists, for each step
and wait seen, the outcome no test produced: the failure paths the suite never tried.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inngest_sim.trace import (
    RequestSent,
    ResponseHandled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from inngest_sim.trace import Trace

__all__ = ["StepCoverage", "collecting", "offer"]

_ACTIVE: list[StepCoverage] = []
# The SDK registers an on_failure handler as a function of its own, "<id>-failure".
_FAILURE_SUFFIX = "-failure"
_REPEAT = re.compile(r":\d+$")


class _Function:
    def __init__(self) -> None:
        self.runs: Counter[str] = Counter()
        self.steps: dict[str, Counter[str]] = {}
        self.waits: dict[str, Counter[str]] = {}
        self.invokes: dict[str, Counter[str]] = {}
        self.races: dict[str, Counter[str]] = {}
        self.on_failure_runs = 0

    def step(self, step: str) -> Counter[str]:
        return self.steps.setdefault(_REPEAT.sub("", step), Counter())

    def to_dict(self) -> dict[str, Any]:
        never: dict[str, list[str]] = {}
        for step, seen in self.steps.items():
            missing = [o for o in ("ran", "retried", "failed") if not seen[o]]
            if missing:
                never[step] = missing
        for wait, seen in self.waits.items():
            missing = [o for o in ("matched", "timed_out") if not seen[o]]
            if missing:
                never[wait] = missing
        for race, won in self.races.items():
            missing = [f"{branch} won" for branch in race.split(" | ") if not won[branch]]
            if missing:
                never[race] = missing
        return {
            "runs": dict(self.runs),
            "steps": {k: dict(v) for k, v in sorted(self.steps.items())},
            "waits": {k: dict(v) for k, v in sorted(self.waits.items())},
            "invokes": {k: dict(v) for k, v in sorted(self.invokes.items())},
            "races": {k: dict(v) for k, v in sorted(self.races.items())},
            "on_failure_runs": self.on_failure_runs,
            "never": dict(sorted(never.items())),
        }


class StepCoverage:
    """Step coverage gathered from simulator traces (see ``collecting``)."""

    def __init__(self) -> None:
        self._functions: dict[str, _Function] = {}

    def add(self, trace: Trace) -> None:
        """Count every run in ``trace``."""
        for queued in trace.of(RunQueued):
            self._add_run(trace.for_run(queued.run_id), queued.function_id)

    def _add_run(self, run: Trace, function_id: str) -> None:
        if function_id.endswith(_FAILURE_SUFFIX):
            owner = self._functions.setdefault(function_id[: -len(_FAILURE_SUFFIX)], _Function())
            owner.on_failure_runs += 1
        fn = self._functions.setdefault(function_id, _Function())
        ended = run.of(RunEnded)
        fn.runs[ended[-1].status if ended else "Running"] += 1
        tries = Counter(a.step for a in run.of(StepAttempt))
        for step, count in tries.items():
            if count > 1:
                fn.step(step)["retried"] += 1
        for saved in run.of(StepSaved):
            if saved.op == "WaitForEvent":
                outcome = "timed_out" if saved.memo == "null" else "matched"
                fn.waits.setdefault(_REPEAT.sub("", saved.step), Counter())[outcome] += 1
            elif saved.op == "InvokeFunction":
                outcome = "failed" if saved.memo == "error" else "ok"
                fn.invokes.setdefault(_REPEAT.sub("", saved.step), Counter())[outcome] += 1
            elif saved.op != "Sleep":
                fn.step(saved.step)["failed" if saved.memo == "error" else "ran"] += 1
        for branches, winner in _races(run):
            fn.races.setdefault(" | ".join(branches), Counter())[winner] += 1

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Coverage per function id, as JSON-ready data."""
        return {fn_id: fn.to_dict() for fn_id, fn in sorted(self._functions.items())}

    def write(self, folder: str | Path) -> list[Path]:
        """Write ``<folder>/<function id>.json`` for each function; returns the paths."""
        root = Path(folder)
        root.mkdir(parents=True, exist_ok=True)
        paths = []
        for fn_id, data in self.to_dict().items():
            path = root / f"{fn_id}.json"
            path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
            paths.append(path)
        return paths

    def render(self) -> str:
        """A short text report: per function, its runs and what no test exercised."""
        lines = []
        for fn_id, data in self.to_dict().items():
            runs = ", ".join(f"{n} {status}" for status, n in sorted(data["runs"].items()))
            lines.append(f"{fn_id}: {runs}; on_failure ran {data['on_failure_runs']} time(s)")
            for name, missing in data["never"].items():
                lines.append(f"  {name}: never {', '.join(missing)}")
        return "\n".join(lines) if lines else "(no runs)"


def _races(run: Trace) -> list[tuple[tuple[str, ...], str]]:
    """Each race the run finished: its branches and the branch that finished first.

    A race's branches are the steps its first discovery planned in race mode; a step
    planned later belongs to the branch whose step had just been saved. A branch has
    finished when a discovery plans none of its steps any more.
    """
    discovery = {r.request_id for r in run.of(RequestSent) if r.target is None}
    races: list[tuple[tuple[str, ...], str]] = []
    branch_of: dict[str, str] = {}
    branches: tuple[str, ...] = ()
    finished: list[str] = []
    last: str | None = None
    for record in run:
        if isinstance(record, StepSaved) and record.step in branch_of:
            last = record.step
        if not isinstance(record, ResponseHandled) or record.request_id not in discovery:
            continue
        if record.race and not branches:
            branches, branch_of, finished = tuple(record.race), {k: k for k in record.race}, []
            continue
        for key in record.race:
            if key not in branch_of and last is not None:
                branch_of[key] = branch_of[last]
        active = {branch_of[key] for key in record.race if key in branch_of}
        finished += [b for b in branches if b not in active and b not in finished]
        if branches and not record.race:
            races.append((branches, finished[0]))
            branches, branch_of, last = (), {}, None
    return races


def offer(trace: Trace) -> None:
    """Hand a closing simulator's trace to every open collector."""
    for coverage in _ACTIVE:
        coverage.add(trace)


@contextlib.contextmanager
def collecting() -> Iterator[StepCoverage]:
    """Collect the coverage of every simulator that closes inside the block."""
    coverage = StepCoverage()
    _ACTIVE.append(coverage)
    try:
        yield coverage
    finally:
        _ACTIVE.remove(coverage)
