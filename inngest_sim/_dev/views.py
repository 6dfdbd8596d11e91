"""What the dev server shows of runs and events, read from the trace.

The GraphQL resolvers and the REST endpoints both answer from here, in the shapes
the Inngest dev server gives: statuses in capitals, outputs as JSON text, one trace
span per step (named by the step's id) plus ``Finalization`` for the function's
result, and opaque output ids that name a run and a step.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import TYPE_CHECKING, Any

from inngest_sim._dev.index import TraceIndex
from inngest_sim._protocol import dumps, hash_step_id
from inngest_sim._views.results import RunResult
from inngest_sim.trace import (
    RequestSent,
    RunQueued,
    StepAttempt,
    StepSaved,
    Waiting,
)

if TYPE_CHECKING:
    from inngest_sim.trace import Trace

__all__ = ["FINALIZATION", "NotFound", "Views"]

FINALIZATION = "Finalization"  # Go's span for the function's own result
_STATUSES = {"Completed": "COMPLETED", "Failed": "FAILED", "Cancelled": "CANCELLED"}


class NotFound(LookupError):
    """Nothing with that id (yet): an error for GraphQL, so clients poll again."""


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def _output_id(run_id: str, part: str) -> str:
    return base64.urlsafe_b64encode(f"{run_id}/{part}".encode()).decode("ascii")


def _display_name(key: str, step_hash: str) -> str:
    """The id the user gave a step: ``key`` without the ``:n`` of its n-th repeat."""
    base, sep, index = key.rpartition(":")
    if sep and index.isdigit() and hash_step_id(base, int(index)) == step_hash:
        return base
    return key


class Views:
    """Runs and events of one dev server, from its trace."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._index = TraceIndex(trace)

    @property
    def index(self) -> TraceIndex:
        return self._index.current()

    # ---------------------------------------------------------------- runs
    def result(self, run_id: str) -> RunResult:
        if not self.trace.of(RunQueued, run_id):
            raise NotFound(f"error retrieving run: run not found: {run_id}")
        return RunResult(self.trace, run_id)

    def status(self, run: RunResult) -> str:
        if run.status in _STATUSES:
            return _STATUSES[run.status]
        return "RUNNING" if run.trace.of(RequestSent) else "QUEUED"

    def run(self, run_id: str) -> dict[str, Any]:
        """A run as the GraphQL ``FunctionRunV2`` and the REST run list show it."""
        run = self.result(run_id)
        queued = run.trace.of(RunQueued)[0]
        started = run.trace.of(RequestSent)
        output = None
        if run.status != "Running":
            output = dumps(run.output)
        return {
            "id": run_id,
            "functionID": run.function_id,
            "status": self.status(run),
            "output": output,
            "queuedAt": _iso(queued.t),
            "startedAt": _iso(started[0].t) if started else None,
            "endedAt": _iso(run.ended_at.timestamp()) if run.ended_at else None,
            "eventName": queued.event.get("name"),
            "parentRunID": queued.parent_run_id,
        }

    def spans(self, run_id: str) -> list[dict[str, Any]]:
        """The run span's children: one per step, in the order they first appeared."""
        run = self.result(run_id)
        order: dict[str, str] = {}
        for record in run.trace:
            if isinstance(record, StepAttempt | StepSaved | Waiting):
                order.setdefault(record.step_hash, record.step)
        saved = {r.step_hash: r for r in run.trace.of(StepSaved)}
        attempts: dict[str, list[StepAttempt]] = {}
        for attempt in run.trace.of(StepAttempt):
            attempts.setdefault(attempt.step_hash, []).append(attempt)
        spans = []
        for step_hash, key in order.items():
            tries = attempts.get(step_hash, [])
            if step_hash in saved:
                status = "FAILED" if saved[step_hash].memo == "error" else "COMPLETED"
            elif tries and tries[-1].outcome == "failed":
                status = "FAILED"
            else:
                status = "WAITING" if not tries else "RUNNING"
            spans.append(
                {
                    "name": _display_name(key, step_hash),
                    "stepID": key,
                    "status": status,
                    "attempts": len(tries),
                    "outputID": _output_id(run_id, step_hash)
                    if step_hash in saved or tries
                    else None,
                    "childrenSpans": [],
                }
            )
        if run.status != "Running":
            spans.append(
                {
                    "name": FINALIZATION,
                    "stepID": None,
                    "status": self.status(run),
                    "attempts": 0,
                    "outputID": _output_id(run_id, FINALIZATION),
                    "childrenSpans": [],
                }
            )
        return spans

    def trace_span(self, run_id: str) -> dict[str, Any]:
        run = self.result(run_id)
        return {
            "name": run.function_id,
            "status": self.status(run),
            "outputID": _output_id(run_id, FINALIZATION) if run.status != "Running" else None,
            "attempts": 0,
            "stepID": None,
            "childrenSpans": self.spans(run_id),
        }

    def span_output(self, output_id: str) -> dict[str, Any]:
        """``runTraceSpanOutputByID``: a step's raw output as JSON text, or its error."""
        try:
            run_id, _, part = base64.urlsafe_b64decode(output_id).decode().partition("/")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise NotFound(f"no span output {output_id!r}: not an id this server gave") from None
        run = self.result(run_id)
        if part == FINALIZATION:
            if run.status == "Completed":
                return {"data": dumps(run.output), "error": None, "input": None}
            return {"data": None, "error": _error(run.error), "input": None}
        saved = [r for r in run.trace.of(StepSaved) if r.step_hash == part]
        if saved:
            record = saved[-1]
            if record.memo == "error":
                return {"data": None, "error": _error(record.value), "input": None}
            data = None if record.memo == "null" else dumps(record.value)
            return {"data": data, "error": None, "input": None}
        failed = [a for a in run.trace.of(StepAttempt) if a.step_hash == part and a.error]
        if failed:
            return {"data": None, "error": _error(failed[-1].error), "input": None}
        raise NotFound(f"no output yet for {output_id!r} (the step has not finished)")

    def trigger(self, run_id: str) -> dict[str, Any]:
        """``runTrigger``: the events the run started for, each as JSON text."""
        run = self.result(run_id)
        queued = run.trace.of(RunQueued)[0]
        events = self._run_events(queued)
        return {
            "payloads": [dumps(e) for e in events],
            "IDs": [str(e.get("id")) for e in events],
            "eventName": queued.event.get("name"),
            "timestamp": _iso(queued.t),
            "isBatch": queued.batch_size > 1,
        }

    def _run_events(self, queued: RunQueued) -> list[dict[str, Any]]:
        # RunQueued keeps the first event; a batch's others are found by their ids.
        if queued.batch_size <= 1:
            return [queued.event]
        by_id = self.index.event_by_id
        return [by_id[i].event for i in queued.event_ids if i in by_id] or [queued.event]

    def list_runs(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Runs, oldest first; with ``limit``, only the newest ``limit`` of them."""
        runs = self.index.runs if limit is None else self.index.runs[-limit:] if limit else []
        return [self.run(r.run_id) for r in runs]

    # -------------------------------------------------------------- events
    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Events received, oldest first (as ``GET /v1/events`` lists them)."""
        out = []
        records = self.index.events if name is None else self.index.events_by_name.get(name, [])
        for record in records:
            event = record.event
            out.append(
                {
                    "internal_id": event.get("id"),
                    "id": event.get("id"),
                    "name": event.get("name"),
                    "data": event.get("data"),
                    "ts": event.get("ts"),
                    "received_at": _iso(record.t),
                    "source": record.source,
                }
            )
        return out

    def event_runs(self, event_id: str) -> list[str]:
        """The runs an event started; ``NotFound`` for an event never received."""
        if event_id not in self.index.event_by_id:
            raise NotFound(f"event not found: {event_id}")
        return list(self.index.runs_by_event.get(event_id, []))


def _error(error: Any) -> dict[str, Any]:
    error = error if isinstance(error, dict) else {}
    return {
        "name": error.get("name"),
        "message": str(error.get("message") or ""),
        "stack": error.get("stack"),
    }
