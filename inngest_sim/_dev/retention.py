"""A bounded history for a long-lived dev server: ``--keep-runs N`` keeps the newest N
finished runs, so a long CI job does not keep every run it ever made.

When the finished runs pass N by a tenth (pruning in batches keeps its cost per run
constant), the oldest are forgotten: their records, the records of no run (events, API
calls) written before the oldest run kept, the lifecycle events the forgotten runs emitted,
and the engine's and flow control's state of them. Runs still
running are never touched. A forgotten run is a 404, as one never seen.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING, Any

from inngest_sim.trace import EventReceived, RunQueued

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim.trace import Record, Trace

__all__ = ["Retention"]


class Retention:
    """A run listener that forgets the oldest finished runs beyond ``keep``."""

    def __init__(self, keep: int, trace: Trace, forget_state: Callable[[str], Any]) -> None:
        self.keep = keep
        self.trace = trace
        self.forget_state = forget_state
        self.finished: collections.deque[str] = collections.deque()

    def run_started(self, ops: RunOps, run: RunState) -> None:
        return None

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        self.finished.append(run.run_id)
        if len(self.finished) > self.keep + max(1, self.keep // 10):
            self.prune()

    def prune(self) -> None:
        gone = set()
        while len(self.finished) > self.keep:
            gone.add(self.finished.popleft())
        cutoff = self._cutoff()

        def drop(record: Record) -> bool:
            run_id = getattr(record, "run_id", None)
            if isinstance(run_id, str):
                return run_id in gone
            if isinstance(record, EventReceived) and record.source == "lifecycle":
                # A forgotten run's function.finished (written when it ended, often after
                # the cutoff) goes with it; its data holds the whole run's events.
                data = record.event.get("data")
                if isinstance(data, dict) and data.get("run_id") in gone:
                    return True
            return record.seq < cutoff

        self.trace.forget(drop)
        for run_id in gone:
            self.forget_state(run_id)

    def _cutoff(self) -> int:
        """The seq before which records of no run go: the oldest kept run's first event
        (its trigger is received before the run is queued)."""
        if not self.finished:
            return self.trace.next_seq
        queued = self.trace.of(RunQueued, self.finished[0])
        if not queued:
            return self.trace.next_seq
        first = queued[0]
        wanted = set(first.event_ids)
        for record in self.trace:
            if record.seq >= first.seq:
                break
            if isinstance(record, EventReceived) and record.event.get("id") in wanted:
                return record.seq
        return first.seq
