"""Writing the trace: each record stamped with its position, virtual time and wall time."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim.trace._records import Record

if TYPE_CHECKING:
    from inngest_sim._clock import Clock
    from inngest_sim.trace._trace import Trace

__all__ = ["Recorder"]

R = TypeVar("R", bound=Record)
# In a dict so that a time-freezing library's module scan leaves it real.
_WALL = {"clock": time.perf_counter}


class Recorder:
    """The one writer of a simulator's trace; every room records through it.

    Thread-safe: step bodies of sync functions and the SDK's calls to the Inngest API
    report from worker threads.
    """

    def __init__(self, trace: Trace, clock: Clock) -> None:
        self.trace = trace
        self.clock = clock
        self._lock = threading.Lock()
        self._wall0 = _WALL["clock"]()

    def wall(self) -> float:
        """Real seconds since the simulator started."""
        return _WALL["clock"]() - self._wall0

    def record(self, kind: type[R], **fields: Any) -> R:
        """Append a record of ``kind`` stamped with the next seq, virtual and wall time."""
        with self._lock:
            record = kind(seq=self.trace.next_seq, t=self.clock.now(), wall=self.wall(), **fields)
            self.trace.append(record)
        return record
