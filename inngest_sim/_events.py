"""Events the simulator makes: lifecycle events when runs end, default trigger events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._registry import FunctionSpec
    from inngest_sim._run import RunState

__all__ = ["INVOKED_EVENT", "LIFECYCLE_PREFIXES", "default_event", "lifecycle_events"]

INVOKED_EVENT = "inngest/function.invoked"

LIFECYCLE_PREFIXES = (
    "inngest/function.finished",
    "inngest/function.failed",
    "inngest/function.cancelled",
)


def lifecycle_events(
    run: RunState, now: float, new_id: Callable[[float], str]
) -> list[dict[str, Any]]:
    """The events Inngest emits when a run ends (executor-semantics.md section 2.7)."""
    base = {
        "function_id": run.spec.id,
        "run_id": run.run_id,
        "event": run.event,
        "events": run.events,
        "_inngest": {"status": run.status},
    }
    ts = int(now * 1000)
    error = None
    if run.status != "Completed":
        error = {"error": "invalid status code: 500", **(run.error or {})}
    finished = {**base, **({"result": run.output} if error is None else {"error": error})}
    events = [{"name": "inngest/function.finished", "id": new_id(now), "ts": ts, "data": finished}]
    if run.status == "Failed":
        failed = {**base, "error": error}
        events.append(
            {"name": "inngest/function.failed", "id": run.run_id, "ts": ts, "data": failed}
        )
    elif run.status == "Cancelled":
        events.append(
            {"name": "inngest/function.cancelled", "id": new_id(now), "ts": ts, "data": base}
        )
    return events


def default_event(spec: FunctionSpec, data: Mapping[str, Any] | None) -> dict[str, Any]:
    name = next((t.event for t in spec.triggers if t.event and not t.event.endswith("*")), None)
    return {"name": name or INVOKED_EVENT, "data": dict(data or {})}
