"""The bound on requests in flight (``--max-in-flight``), handed out in queue order.

The Go executor's workers take due queue items lowest score first, and a user item's score
is its run's creation instant minus the run's priority factor
(``pkg/execution/queue/item.go`` ``QueueItem.Score``: "prioritize finishing older function
runs"). So when every slot is taken, a waiting request of an older run goes before the
first request of a newer one, and a burst of new runs does not hold back the runs already
under way. The wait is for a slot, before the request is sent: it never counts against
the request's timeout.

A request enters with ``enter(score, start)``: ``start`` runs now if a slot is free, or
when one is handed to it. ``leave`` hands the slot to the lowest score waiting (ties: the
first to enter), or frees it.
"""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING

from inngest_sim._errors import SimError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["OrderedSlots"]


class OrderedSlots:
    """At most ``bound`` holders; waiters get a freed slot lowest score first."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.free = bound
        self._order = itertools.count()
        self._waiting: list[tuple[float, int, Callable[[], None]]] = []

    @property
    def waiting(self) -> int:
        """How many wait for a slot."""
        return len(self._waiting)

    def enter(self, score: float, start: Callable[[], None]) -> None:
        """Run ``start`` now if a slot is free, else once one is handed to it."""
        if self.free > 0:
            self.free -= 1
            start()
            return
        heapq.heappush(self._waiting, (score, next(self._order), start))

    def leave(self) -> None:
        """A holder is done: its slot goes to the first waiter in queue order."""
        if self._waiting:
            _, _, start = heapq.heappop(self._waiting)
            start()
            return
        if self.free >= self.bound:
            raise SimError("a request left a slot it never took; this is a bug in inngest-sim")
        self.free += 1
