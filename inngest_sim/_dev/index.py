"""Events and runs by id and by name, kept as records are written.

The dev server's reads (an event's runs, the event list by name, a batch's events, the run
list) look here instead of scanning the whole trace on every request, so a request costs
what it returns, not the server's whole history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.trace import EventReceived, RunQueued

if TYPE_CHECKING:
    from inngest_sim.trace import Record, Trace

__all__ = ["TraceIndex"]


class TraceIndex:
    """Indexes of a trace's ``EventReceived`` and ``RunQueued`` records, kept current."""

    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self._unsubscribe = trace.subscribe(self._add)
        self._build()

    def _build(self) -> None:
        self.events: list[EventReceived] = []
        self.events_by_name: dict[str, list[EventReceived]] = {}
        self.event_by_id: dict[str, EventReceived] = {}
        self.runs: list[RunQueued] = []
        self.runs_by_event: dict[str, list[str]] = {}
        self._forgotten = self.trace.forgotten
        for record in self.trace:
            self._add(record)

    def current(self) -> TraceIndex:
        """This index, rebuilt first if the trace has forgotten records since it was built
        (``--keep-runs``: once per pruning, not per request)."""
        if self.trace.forgotten != self._forgotten:
            self._build()
        return self

    def _add(self, record: Record) -> None:
        if self.trace.forgotten != self._forgotten:
            # Records were forgotten: rebuild now (this record included), so the index
            # holds none of them and their memory goes.
            self._build()
            return
        if isinstance(record, EventReceived):
            self.events.append(record)
            self.events_by_name.setdefault(str(record.event.get("name")), []).append(record)
            self.event_by_id.setdefault(str(record.event.get("id")), record)
        elif isinstance(record, RunQueued):
            self.runs.append(record)
            for event_id in record.event_ids:
                self.runs_by_event.setdefault(event_id, []).append(record.run_id)

    def close(self) -> None:
        self._unsubscribe()
