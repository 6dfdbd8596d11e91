"""What assertion failures show: step tables, timelines, and argument checks.

Private helpers of ``inngest_sim.assertions``, kept apart so the public
module reads as the list of questions it answers.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._views.results import RunResult
from inngest_sim.timeline import render_timeline
from inngest_sim.trace import (
    BodyExecuted,
    FaultApplied,
    RequestSent,
    RetryScheduled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Trace,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from inngest_sim.trace import Record

#: How many timeline lines a failure message shows (the middle is elided).
TIMELINE_LINES = 40
#: Fault effects after which a step body legitimately runs again.
RERUN_EFFECTS = ("lose_response", "raises_after")


def _check_run(run: object) -> None:
    if not isinstance(run, RunResult):
        raise InvalidArgument(
            f"run={run!r} (type={type(run).__name__}) is not a RunResult: pass what "
            "`await sim.run(...)` returned, or `sim.result(run_id)`"
        )


def _check_count(name: str, value: object, *, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise InvalidArgument(f"{name}={value!r} must be an int >= {minimum}")


def _header(run: RunResult) -> str:
    return f"run {run.run_id} of {run.function_id!r} ({run.status})"


def _matching(run: RunResult, pattern: str, *, bodies: bool = False) -> list[str]:
    """Step ids matching ``pattern``; with ``bodies``, only steps with a body to run
    (``step.run``, ``send_event``), not sleeps, waits or invokes, which have no attempts."""
    return [
        key
        for key, step in run.steps.items()
        if fnmatch.fnmatchcase(key, pattern) and (step.attempts or not bodies)
    ]


def _require_steps(run: RunResult, keys: list[str], what: str, kind: str = "") -> list[str]:
    __tracebackhide__ = True
    if not keys:
        known = ", ".join(run.steps) or "(none)"
        raise AssertionError(f"no {kind}step of {_header(run)} matches {what}; its steps: {known}")
    return keys


def _require_probe(run: RunResult) -> None:
    __tracebackhide__ = True
    ran = any(s.op == "StepRun" for s in run.trace.of(StepSaved))
    if ran and not run.trace.of(BodyExecuted):
        raise AssertionError(
            f"cannot count step-body executions in {_header(run)}: no body was observed. "
            "The probe only sees bodies that run in this process (not Simulator.from_url)."
        )


def _faults_for(run: RunResult) -> dict[str, list[FaultApplied]]:
    out: dict[str, list[FaultApplied]] = {}
    for fault in run.trace.of(FaultApplied):
        if fault.step is not None:
            out.setdefault(fault.step, []).append(fault)
    return out


def _rerun_faults(run: RunResult) -> dict[str, int]:
    """Per step, how many faults let its body run and then hid the result."""
    return {
        step: sum(1 for f in faults if f.effect in RERUN_EFFECTS)
        for step, faults in _faults_for(run).items()
    }


def _unreported_reruns(run: RunResult) -> dict[str, int]:
    """Per step, re-run faults on attempts that reported nothing (a lost discovery reply)."""
    reported = {(a.step, a.attempt) for a in run.trace.of(StepAttempt)}
    out: dict[str, int] = {}
    for step, faults in _faults_for(run).items():
        out[step] = sum(
            1 for f in faults if f.effect in RERUN_EFFECTS and (step, f.attempt) not in reported
        )
    return out


def _request_number(request_id: str) -> str:
    return request_id.rsplit("-", 1)[-1]


def _body_requests(trace: Trace) -> dict[str, list[str]]:
    """Per step, the request each body execution happened in.

    The probe does not see request ids, so a body is placed in the latest request
    that targeted its step, or else in the latest discovery request (``step.run``
    outside a parallel group runs in the request that found it).
    """
    targeted: dict[str | None, str] = {}
    out: dict[str, list[str]] = {}
    for record in trace:
        if isinstance(record, RequestSent):
            targeted[record.target] = _request_number(record.request_id)
        elif isinstance(record, BodyExecuted):
            where = targeted.get(record.step) or targeted.get(None, "?")
            out.setdefault(record.step, []).append(where)
    return out


def _step_table(run: RunResult, keys: Iterable[str]) -> str:
    """One line per step: attempts, body executions and faults, with request numbers."""
    bodies = _body_requests(run.trace)
    faults = _faults_for(run)
    rows = [("step", "attempts (outcome@attempt #request)", "bodies ran in", "faults")]
    for key in dict.fromkeys(keys):
        step = run.steps[key]
        attempts = ", ".join(
            f"{a.outcome}@{a.number} #{_request_number(a.request_id)}" for a in step.attempts
        )
        ran = " ".join(f"#{n}" for n in bodies.get(key, []))
        hit = ", ".join(f"{f.effect}@{f.attempt} ({f.rule})" for f in faults.get(key, []))
        rows.append((key, attempts or "-", f"{step.executions}: {ran}" if ran else "0", hit or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = (
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    )
    return "\n".join(f"  {line}" for line in lines)


def _concerns(record: Record, steps: Collection[str]) -> bool:
    if isinstance(record, RunQueued | RunEnded):
        return True
    if isinstance(record, RetryScheduled) and record.step is None:
        return True  # a retried discovery request: how sequential steps run again
    return getattr(record, "step", None) in steps


def _timeline(trace: Trace, steps: Collection[str] | None = None) -> str:
    """The run's timeline, narrowed to ``steps`` when given."""
    title = "timeline:"
    if steps is not None:
        keep = set(steps)
        trace = Trace(r for r in trace if _concerns(r, keep))
        title = f"timeline of {', '.join(sorted(keep))}:"
    return f"{title}\n{render_timeline(trace, limit=TIMELINE_LINES)}"
