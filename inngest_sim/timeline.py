"""A plain-text timeline of runs, read from the trace.

Used by the CLI, by the pytest plugin's failure report and by assertion
messages: one line per step attempt, sleep, retry and run end, in virtual time.
"""

from __future__ import annotations

from inngest_sim.trace import (
    FaultApplied,
    Record,
    RequestHeld,
    RetryScheduled,
    RunBatched,
    RunDelayed,
    RunEnded,
    RunQueued,
    RunSkipped,
    SignalSent,
    StepAttempt,
    StepSaved,
    Trace,
    Waiting,
)

__all__ = ["format_duration", "render_timeline"]


def format_duration(seconds: float) -> str:
    """``1h02m03s``-style text for a number of seconds."""
    if seconds < 60:
        return f"{seconds:.3f}s".replace(".000s", "s")
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    return "".join(f"{value}{unit}" for value, unit in parts if value) or "0s"


def _line(record: Record, t0: float) -> str | None:
    at = f"+{format_duration(record.t - t0):>9}"
    if isinstance(record, RunQueued):
        return f"{at}  run {record.run_id} of {record.function_id} ({record.event.get('name')})"
    if isinstance(record, StepAttempt):
        detail = ""
        if record.error:
            detail = f"  {record.error.get('name')}: {record.error.get('message')}"
        return f"{at}    {record.step:<28} attempt {record.attempt}  {record.outcome}{detail}"
    if isinstance(record, RetryScheduled):
        what = record.step or "function"
        return (
            f"{at}    {what:<28} retry in {format_duration(record.delay)} ({record.reason}), "
            f"attempt {record.next_attempt}"
        )
    if isinstance(record, Waiting):
        until = f" until +{format_duration(record.until - t0)}" if record.until else ""
        return f"{at}    {record.step:<28} {record.op.lower()}{until}"
    if isinstance(record, StepSaved) and record.op not in ("StepRun", "StepError", "StepFailed"):
        return f"{at}    {record.step:<28} resumed ({record.memo})"
    if isinstance(record, SignalSent):
        whom = f"resumed run {record.run_id}" if record.run_id else "nobody waited"
        return f"{at}  signal {record.signal!r} from {record.source}: {whom}"
    if isinstance(record, FaultApplied):
        return f"{at}    {record.step or '-':<28} fault {record.effect} from rule {record.rule}"
    flow = _flow_line(record, at)
    if flow is not None:
        return flow
    if isinstance(record, RunEnded):
        tail = ""
        if record.error:
            tail = f": {record.error.get('name')}: {record.error.get('message')}"
        return f"{at}  run {record.run_id} {record.status}{tail}"
    return None


def _flow_line(record: Record, at: str) -> str | None:
    """Flow-control decisions: skipped, delayed and batched runs, held requests."""
    if isinstance(record, RunSkipped | RunDelayed | RunBatched):
        key = f" key={record.key}" if record.key else ""
        if isinstance(record, RunSkipped):
            return f"{at}  no run of {record.function_id}: {record.reason}{key}"
        if isinstance(record, RunDelayed):
            return f"{at}  run of {record.function_id} delayed: {record.reason}{key}"
        count = len(record.event_ids)
        return f"{at}  batch of {count} events for {record.function_id} ({record.reason})"
    if isinstance(record, RequestHeld):
        return f"{at}    {record.step_id:<28} held by concurrency limit"
    return None


def render_timeline(trace: Trace, run_id: str | None = None, *, limit: int | None = None) -> str:
    """The timeline of one run (or every run) as text, times relative to the first record."""
    records = list(trace.for_run(run_id) if run_id else trace)
    if not records:
        return "(no runs)"
    t0 = records[0].t
    lines = [line for r in records if (line := _line(r, t0)) is not None]
    if limit is not None and len(lines) > limit:
        hidden = len(lines) - limit
        lines = [*lines[: limit // 2], f"    ... {hidden} more lines ...", *lines[-limit // 2 :]]
    return "\n".join(lines)
