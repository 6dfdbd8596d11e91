"""One send's fan-out, created in bounded slices so other requests are served meanwhile.

An event that triggers thousands of functions would otherwise create every run inside
the request that sent it, and the server would answer nobody else until the last run
existed. Here at most ``SLICE`` runs are created per turn of the event loop: the first
ones at once (a send that starts a few runs finds them started when it returns, as
before), the rest in order by a task that creates a slice, yields to the loop (every
waiting request is answered), and goes on. The task is in-flight work for the scheduler,
so virtual time does not move while runs are still being created; nothing is dropped,
and runs are created in the order their events came, so a seed gives the same run ids
for the same requests.
"""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.scheduler import Scheduler
    from inngest_sim._runtime.ingest import RunScheduler
    from inngest_sim._server.registry import FunctionSpec

__all__ = ["SLICE", "FanOut"]

#: Runs created per turn of the event loop, at most.
SLICE = 200


class FanOut:
    """A ``RunScheduler`` that hands runs to ``target`` at most ``slice`` per loop turn."""

    def __init__(self, target: RunScheduler, scheduler: Scheduler, *, slice: int = SLICE) -> None:
        self.target = target
        self.scheduler = scheduler
        self.slice = slice
        self.pending: collections.deque[tuple[RunOps, FunctionSpec, dict[str, Any]]] = (
            collections.deque()
        )
        self._budget = 0  # runs still to be created inline in this loop turn
        self._budget_set = False
        self._creating = False
        #: Slices the task created (each followed by a turn of the loop): for tests.
        self.slices = 0

    def schedule(self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]) -> object:
        if not self.pending and self._take_inline():
            return self.target.schedule(ops, spec, event)
        self.pending.append((ops, spec, event))  # behind earlier ones: order is kept
        if not self._creating:
            self._creating = True
            self.scheduler.spawn(self._create())
        return None

    def _take_inline(self) -> bool:
        if not self._budget_set:
            self._budget, self._budget_set = self.slice, True
            self.scheduler.loop.call_soon(self._new_turn)
        if self._budget <= 0:
            return False
        self._budget -= 1
        return True

    def _new_turn(self) -> None:
        self._budget_set = False

    async def _create(self) -> None:
        try:
            while self.pending:
                await asyncio.sleep(0)  # a turn of the loop: waiting requests are served
                for _ in range(min(self.slice, len(self.pending))):
                    ops, spec, event = self.pending.popleft()
                    self.target.schedule(ops, spec, event)
                self.slices += 1
        finally:
            self._creating = False
