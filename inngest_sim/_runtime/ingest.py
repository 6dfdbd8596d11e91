"""Events into the simulation: stamped, recorded, offered to pauses, turned into runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from inngest_sim._engine.defers import defer_events
from inngest_sim._runtime.lifecycle import lifecycle_events
from inngest_sim._server.events import LIFECYCLE_PREFIXES, normalise_event
from inngest_sim.trace import EventReceived

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._runtime.pauses import Pauses
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["Ingest", "RunScheduler"]


class RunScheduler(Protocol):
    """Where a triggering event goes: flow control, or a queue that holds runs."""

    def schedule(self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]) -> object: ...


class Ingest:
    """Where every event goes: waits and cancellations first, then triggered functions.

    Also a run listener: when a run ends, the lifecycle events Inngest emits
    (``inngest/function.finished``, ``.failed``, ``.cancelled``) come in here too.
    """

    def __init__(self, registry: Registry, flow: RunScheduler, pauses: Pauses) -> None:
        self.registry = registry
        self.flow = flow
        self.pauses = pauses

    def normalise(self, ops: RunOps, event: Mapping[str, Any]) -> dict[str, Any]:
        return normalise_event(event, ops.ids, ops.clock.now())

    def receive(self, ops: RunOps, events: list[dict[str, Any]], source: str) -> list[str]:
        """Take events (normalised or not); returns their ids."""
        ids = []
        for raw in events:
            event = self.normalise(ops, raw)
            ids.append(event["id"])
            ops.recorder.record(EventReceived, event=event, source=source)
            self.pauses.on_event(event)
            for spec in self.registry.triggered_by(event):
                self.flow.schedule(ops, spec, event)
        return ids

    # ------------------------------------------------------ RunListener
    def run_started(self, ops: RunOps, run: RunState) -> None:
        return None

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        now = ops.clock.now()
        if run.event.get("name") not in LIFECYCLE_PREFIXES:
            # Runs triggered by function.finished or .failed emit none (finalize.go).
            self.receive(ops, lifecycle_events(run, now, ops.ids), "lifecycle")
        # Then, however the run ended, the runs it deferred (finalize.go buildDeferEvents).
        deferred = defer_events(run, now)
        if deferred:
            self.receive(ops, deferred, "defer")
