"""Timers and in-flight work on one clock, and the loop that drives them.

On a virtual clock, time jumps to the next due timer only when no request is in
flight: requests take no virtual time, so "nothing else can run" is exact.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from inngest_sim._clock import Clock

__all__ = ["Scheduler", "Timer"]


class Timer:
    """A pending callback; a cancelled timer neither fires nor keeps time moving."""

    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._timers: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self._inflight: set[asyncio.Task[None]] = set()
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.autojump = True

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._wakeup = asyncio.Event()

    def call_at(self, when: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(callback)
        heapq.heappush(self._timers, (when, next(self._order), timer))
        if self._wakeup is not None:
            self._wakeup.set()
        return timer

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.call_at(self.clock.now(), callback)

    def call_soon_threadsafe(self, callback: Callable[[], None]) -> None:
        """Schedule from any thread (e.g. an SDK call made inside a sync function)."""
        loop = self._loop
        if loop is None:
            self.call_soon(callback)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.call_soon(callback)
        else:
            loop.call_soon_threadsafe(self.call_soon, callback)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)

    def next_due(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)  # a cancelled timer must not pull time forward
        return self._timers[0][0] if self._timers else None

    def _fire_due(self) -> None:
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                timer.callback()

    async def _await_inflight(self) -> None:
        assert self._wakeup is not None
        self._wakeup.clear()
        waker = asyncio.ensure_future(self._wakeup.wait())
        try:
            done, _ = await asyncio.wait(
                {*self._inflight, waker}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            waker.cancel()
        for task in done:
            if task is waker:
                continue
            self._inflight.discard(task)
            task.result()  # a bug in the executor must surface, not vanish

    async def drive(self, done: Callable[[], bool], *, until: float | None = None) -> bool:
        """Run timers and requests until ``done()`` or nothing is left to do.

        ``until`` bounds virtual time. Returns ``done()`` at exit.
        """
        while True:
            self._fire_due()
            if done():
                return True
            if self._inflight:
                await self._await_inflight()
                continue
            due = self.next_due()
            if due is None:
                return done()
            if until is not None and due > until:
                self._advance(until)
                return done()
            if self.clock.is_virtual:
                # Held time (autojump off) moves only when asked to advance.
                if not (self.autojump or until is not None):
                    return done()
                self._advance(due)
                continue
            assert self._wakeup is not None
            self._wakeup.clear()
            await self.clock.sleep_until(due, self._wakeup)

    def _advance(self, when: float) -> None:
        advance_to = getattr(self.clock, "advance_to", None)
        if advance_to is not None:
            advance_to(when)

    async def cancel_all(self) -> None:
        for task in self._inflight:
            task.cancel()
        await asyncio.gather(*self._inflight, return_exceptions=True)
        self._inflight.clear()
        self._timers.clear()
