"""The events Inngest emits when a run ends (executor-semantics.md section 2.7).

They live beside ingest, their one user, because they are made from a run's state: the
server room below (``_server/events``) knows events, not runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._server.events import make_event

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._engine.run import RunState
    from inngest_sim._ids import IdSource

__all__ = ["lifecycle_events", "standard_error"]


def lifecycle_events(run: RunState, now: float, ids: IdSource) -> list[dict[str, Any]]:
    """``function.finished`` for every run, and ``.failed`` or ``.cancelled`` as it ended
    (``pkg/execution/executor/finalize.go``)."""
    base = {
        "function_id": run.spec.id,
        "run_id": run.run_id,
        "event": run.event,
        "events": run.events,
        "_inngest": {"status": run.status},
    }
    # finalize.go: one data for every event; a cancel's response is empty (executor.go
    # Cancel), and `error`/`result` are omitempty, so a cancelled run's carry neither.
    data = dict(base)
    if run.status == "Completed":
        data["result"] = run.output
    elif run.status == "Failed":
        data["error"] = standard_error(run.error)
    events = [make_event("inngest/function.finished", data, ids, now)]
    follow = {"Failed": "inngest/function.failed", "Cancelled": "inngest/function.cancelled"}
    if run.status in follow:
        # The run id is the event id ("prevents duped runs for parallel steps").
        events.append(make_event(follow[run.status], data, ids, now, run.run_id))
    return events


def standard_error(error: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's error as the server sends it in lifecycle events: exactly ``error``,
    ``name``, ``message`` and ``stack`` (plus ``cause`` when there is one).

    The SDK's error body carries more (``code``, ``is_retriable``...), which the server
    does not pass on.
    """
    error = error or {}
    standard: dict[str, Any] = {
        "error": "invalid status code: 500",
        "name": error.get("name", "Error"),
        "message": error.get("message", ""),
        "stack": error.get("stack"),
    }
    if error.get("cause") is not None:
        standard["cause"] = error["cause"]
    return standard
