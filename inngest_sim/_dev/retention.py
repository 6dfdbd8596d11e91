"""A bounded history for a long-lived dev server: ``--keep-runs N`` keeps the newest N
finished runs, and ``--keep-events M`` the newest M records of no run, so a long CI job
does not keep every run and every event it ever saw.

When the finished runs pass N by a tenth (pruning in batches keeps its cost per run
constant), the oldest are forgotten: their records, the records of no run (events, API
calls) written before the oldest run kept, the lifecycle events the forgotten runs emitted,
and the engine's and flow control's state of them. Runs still running are never touched.
A forgotten run is a 404, as one never seen.

Records of no run (events, the API calls, realtime messages, signals sent, skipped runs)
are also bounded by themselves: when they pass M by a tenth, the oldest go, even while no
run ends (a job that sends events nothing listens to, or that rate limits skip). An event
older than the newest M may go while a run it started is kept: the run keeps a copy of its
events (``RunQueued``), so it still stands alone; the event is then a 404 as an event.
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

#: Records of no run kept per run kept when ``--keep-events`` is not given.
EVENTS_PER_RUN = 10


class Retention:
    """A run listener that forgets the oldest finished runs beyond ``keep``, and a trace
    listener that forgets the oldest records of no run beyond ``keep_events``."""

    def __init__(
        self,
        keep: int | None,
        trace: Trace,
        forget_state: Callable[[str], Any],
        *,
        keep_events: int | None = None,
    ) -> None:
        self.keep = keep
        if keep_events is None and keep is not None:
            keep_events = EVENTS_PER_RUN * keep
        self.keep_events = keep_events
        self.trace = trace
        self.forget_state = forget_state
        self.finished: collections.deque[str] = collections.deque()
        self._loose = sum(1 for record in trace if _of_no_run(record))  # records of no run
        self._unsubscribe = trace.subscribe(self._written) if keep_events is not None else None

    @staticmethod
    def _slack(keep: int) -> int:
        return keep + max(1, keep // 10)

    def run_started(self, ops: RunOps, run: RunState) -> None:
        return None

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        if self.keep is None:
            return
        self.finished.append(run.run_id)
        if len(self.finished) > self._slack(self.keep):
            self.prune()

    def _written(self, record: Record) -> None:
        if not _of_no_run(record):
            return
        self._loose += 1
        if self.keep_events is not None and self._loose > self._slack(self.keep_events):
            self.prune()

    def prune(self) -> None:
        gone = set()
        while self.keep is not None and len(self.finished) > self.keep:
            gone.add(self.finished.popleft())
        cutoff = max(self._cutoff() if gone else 0, self._loose_cutoff())

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
        self._loose = sum(1 for record in self.trace if _of_no_run(record))
        for run_id in gone:
            self.forget_state(run_id)

    def _loose_cutoff(self) -> int:
        """The seq before which records of no run go to keep the newest ``keep_events``."""
        if self.keep_events is None or self._loose <= self.keep_events:
            return 0
        past = self._loose - self.keep_events  # the oldest this many go
        for record in self.trace:
            if _of_no_run(record):
                past -= 1
                if past < 0:
                    return record.seq
        return self.trace.next_seq

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


def _of_no_run(record: Record) -> bool:
    return not isinstance(getattr(record, "run_id", None), str)
