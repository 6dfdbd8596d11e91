"""Runs created in bounded slices so other requests are served meanwhile: one send's
fan-out, and the drain of the queue of held runs (``--no-auto-run``).

An event that triggers thousands of functions, or a drain of thousands of held runs,
would otherwise create every run inside the request that asked for them, and the server
would answer nobody else until the last run existed. Here at most ``SLICE`` runs are
created per turn of the event loop: the first ones at once (a send that starts a few runs
finds them started when it returns, as before), the rest in order by a task that creates
a slice, yields to the loop (every waiting request is answered), and goes on. The task is
in-flight work for the scheduler, so virtual time does not move while runs are still
being created; nothing is dropped, and runs are created in the order they were asked for,
so a seed gives the same run ids for the same requests.
"""

from __future__ import annotations

import asyncio
import collections
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.scheduler import Scheduler
    from inngest_sim._runtime.ingest import RunScheduler
    from inngest_sim._server.registry import FunctionSpec

    #: What to call once a queued run is created: the target's answer, or what it raised.
    Created = Callable[[object, BaseException | None], None]

__all__ = ["SLICE", "FanOut"]

#: Runs created per turn of the event loop, at most.
SLICE = 200


class FanOut:
    """A ``RunScheduler`` that hands runs to ``target`` at most ``slice`` per loop turn."""

    def __init__(self, target: RunScheduler, scheduler: Scheduler, *, slice: int = SLICE) -> None:
        self.target = target
        self.scheduler = scheduler
        self.slice = slice
        self.pending: collections.deque[
            tuple[RunOps, FunctionSpec, dict[str, Any], Created | None]
        ] = collections.deque()
        self._budget = 0  # runs still to be created inline in this loop turn
        self._budget_set = False
        self._creating = False
        #: Slices the task created (each followed by a turn of the loop): for tests.
        self.slices = 0

    def schedule(self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]) -> object:
        return self._schedule(ops, spec, event, None)

    def schedule_all(
        self, ops: RunOps, wanted: Sequence[tuple[FunctionSpec, dict[str, Any]]]
    ) -> asyncio.Future[list[object]]:
        """Each of ``wanted`` scheduled as ``schedule`` would, in order and in slices; a
        future of what the target answered for each, in the same order, set once the last
        one is created (at once when every one was created inline)."""
        future: asyncio.Future[list[object]] = self.scheduler.loop.create_future()
        answers: list[object] = [None] * len(wanted)
        left = [len(wanted)]

        def created_as(index: int) -> Created:
            def created(answer: object, error: BaseException | None) -> None:
                answers[index] = answer
                left[0] -= 1
                if future.done():
                    return
                if error is not None:
                    future.set_exception(error)  # the waiting request fails; nothing hangs
                elif not left[0]:
                    future.set_result(answers)

            return created

        for index, (spec, event) in enumerate(wanted):
            done = created_as(index)
            answer = self._schedule(ops, spec, event, done)
            if answer is not _QUEUED:
                done(answer, None)
        if not wanted:
            future.set_result(answers)
        return future

    def _schedule(
        self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any], created: Created | None
    ) -> object:
        """The target's answer when the run was created inline; else it is queued and
        ``created`` (when given) gets the answer later (``_QUEUED`` for the caller that
        gave one, None for ``schedule``'s callers, as a delayed run)."""
        if not self.pending and self._take_inline():
            return self.target.schedule(ops, spec, event)
        self.pending.append((ops, spec, event, created))  # behind earlier ones: order is kept
        if not self._creating:
            self._creating = True
            self.scheduler.spawn(self._create())
        return None if created is None else _QUEUED

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
                    ops, spec, event, created = self.pending.popleft()
                    try:
                        answer = self.target.schedule(ops, spec, event)
                    except Exception as exc:
                        if created is None:
                            raise
                        created(None, exc)
                    else:
                        if created is not None:
                            created(answer, None)
                self.slices += 1
        finally:
            self._creating = False


#: ``_schedule``'s answer for a run queued for later, to a caller waiting for its answer.
_QUEUED = object()
