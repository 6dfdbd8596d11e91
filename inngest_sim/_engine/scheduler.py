"""Timers and in-flight work on one clock, and the loop that drives them.

On a virtual clock, time jumps to the next due timer only when no request is in
flight: requests take no virtual time, so "nothing else can run" is exact. On a
real clock the loop sleeps until the next timer, a finished request or a wakeup.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import heapq
import itertools
import math
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim._errors import SimError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from inngest_sim._clock import Clock

__all__ = ["Scheduler", "Timer"]

T = TypeVar("T")

#: The heap is not rebuilt for fewer cancelled timers than this.
_COMPACT_MIN = 64


class Timer:
    """A pending callback; a cancelled timer neither fires nor keeps time moving.

    ``owner``, when given, is a set that holds the timer while it is pending (a run's
    timers, to cancel when the run ends); a timer leaves it when it fires or is
    cancelled, so a long run does not keep every timer it ever had, and their
    callbacks, alive.
    """

    __slots__ = ("callback", "cancelled", "on_cancel", "owner")

    def __init__(
        self,
        callback: Callable[[], None],
        owner: set[Timer] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self.callback = callback
        self.cancelled = False
        self.owner = owner
        self.on_cancel = on_cancel  # the scheduler counting cancelled timers it still holds
        if owner is not None:
            owner.add(self)

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        # A cancelled timer may wait in the heap until its time (a year, for a cancelOn
        # entry's expiry): it must not keep its callback, and the run that closes over.
        self.callback = _fired
        self._leave()
        on_cancel, self.on_cancel = self.on_cancel, None
        if on_cancel is not None:
            on_cancel()

    def fire(self) -> None:
        callback = self.callback
        self.cancelled = True  # fired: a later cancel() changes nothing
        self.callback = _fired
        self.on_cancel = None
        self._leave()
        callback()

    def _leave(self) -> None:
        if self.owner is not None:
            self.owner.discard(self)
            self.owner = None


def _fired() -> None:
    """What a fired timer holds instead of its callback (and whatever that kept alive)."""


class Scheduler:
    """Timers on ``clock``, tasks in flight, and ``drive``, which runs them."""

    def __init__(self, clock: Clock, loop: asyncio.AbstractEventLoop) -> None:
        self.clock = clock
        self.loop = loop
        self._timers: list[tuple[float, int, Timer]] = []
        # Cancelled timers still in the heap: once they are most of it, it is rebuilt
        # without them, so timers cancelled behind a later live one (every matched wait
        # behind a year-long one) do not pile up.
        self._cancelled = 0
        self._order = itertools.count()
        self._inflight: set[asyncio.Task[None]] = set()
        self._finished: list[asyncio.Task[None]] = []
        # What each ``_wait`` awaits (there may be several: two ``sim.run`` awaited
        # together each drive): anything that could change what a loop should do next
        # (a timer set, work spawned, work finished) resolves them all. A future per
        # wait and a done callback per task set once at spawn cost less than
        # ``asyncio.wait`` over every in-flight task on every turn of the loop.
        self._waiters: list[asyncio.Future[None]] = []

    def call_at(
        self, when: float, callback: Callable[[], None], *, owner: set[Timer] | None = None
    ) -> Timer:
        if not math.isfinite(when):
            # A NaN deadline would break the heap's order and spin the loop: a bug upstream.
            raise SimError(f"a timer at {when!r} is not a time; this is a bug in inngest-sim")
        timer = Timer(callback, owner, self._timer_cancelled)
        heapq.heappush(self._timers, (when, next(self._order), timer))
        self._wake()
        return timer

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.call_at(self.clock.now(), callback)

    def call_soon_threadsafe(self, callback: Callable[[], None]) -> None:
        """Schedule from any thread (e.g. an SDK call made inside a sync function)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.call_soon(callback)
        else:
            self.loop.call_soon_threadsafe(self.call_soon, callback)

    def call_blocking(self, callback: Callable[[], T], *, timeout: float = 30.0) -> T:
        """``callback()`` run on the loop, from any thread; returns its result.

        On the loop's own thread it runs at once. From another thread the caller waits
        (at most ``timeout`` real seconds) until the loop has run it: an SDK's checkpoint
        must be saved before the SDK goes on, and before its answer is handled.
        """
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            return callback()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(callback())
            except BaseException as exc:  # handed to the waiting thread
                future.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return future.result(timeout=timeout)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as in-flight work: virtual time waits for it."""
        task = asyncio.ensure_future(coro)
        self._inflight.add(task)
        task.add_done_callback(self._task_done)
        self._wake()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if task in self._inflight:  # not one that cancel_all has let go of
            self._finished.append(task)
            self._wake()

    def _wake(self, *_: object) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _until_woken(self, timeout: float | None) -> None:
        waiter = self.loop.create_future()
        self._waiters.append(waiter)
        alarm = None if timeout is None else self.loop.call_later(timeout, self._wake)
        try:
            await waiter
        finally:
            if alarm is not None:
                alarm.cancel()
            if waiter in self._waiters:  # left by a cancellation, not a wake
                self._waiters.remove(waiter)

    def _timer_cancelled(self) -> None:
        self._cancelled += 1
        if self._cancelled > _COMPACT_MIN and 2 * self._cancelled > len(self._timers):
            self._timers = [entry for entry in self._timers if not entry[2].cancelled]
            heapq.heapify(self._timers)
            self._cancelled = 0

    def _pop(self) -> Timer:
        _, _, timer = heapq.heappop(self._timers)
        if timer.cancelled:  # in the heap, only a cancel() (a fired timer left before)
            self._cancelled = max(0, self._cancelled - 1)
        return timer

    def next_due(self) -> float | None:
        while self._timers and self._timers[0][2].cancelled:
            self._pop()  # a cancelled timer must not pull time forward
        return self._timers[0][0] if self._timers else None

    def _fire_due(self) -> None:
        now = self.clock.now()
        while self._timers and self._timers[0][0] <= now:
            timer = self._pop()
            if not timer.cancelled:
                timer.fire()

    async def _wait(self, timeout: float | None) -> None:
        """Until an in-flight task ends, something is scheduled, or ``timeout`` passes."""
        if not self._finished:
            await self._until_woken(timeout)
        finished, self._finished = self._finished, []
        for task in finished:
            self._inflight.discard(task)
        for task in finished:
            task.result()  # a bug in the simulator must surface, not vanish

    async def drive(self, done: Callable[[], bool], *, until: float | None = None) -> bool:
        """Run timers and requests until ``done()`` or nothing is left to do.

        ``until`` bounds time, and asks the clock to move there even when it is held.
        Returns ``done()`` at exit.
        """
        while True:
            self._fire_due()
            if done():
                return True
            if until is not None and self.clock.now() >= until:
                return done()  # a real clock got there while requests were in flight
            due = self.next_due()
            target = due if until is None or (due is not None and due <= until) else until
            if self._inflight:
                sleep = None if target is None else self.clock.real_seconds_until(target)
                await self._wait(sleep)
                continue
            if target is None:
                return done()  # no timer, no request: nothing can happen any more
            sleep = self.clock.real_seconds_until(target)
            if sleep:
                await self._wait(sleep)  # real time: a wakeup may bring earlier work
                continue
            if not self.clock.reach(target, asked=until is not None):
                return done()  # held virtual time: only an advance moves it
            if target == until and (due is None or due > until):
                self._fire_due()
                return done()

    @property
    def in_flight(self) -> int:
        """How many requests (and other spawned work) are in flight now."""
        return len(self._inflight)

    async def wait_for_change(self, timeout: float | None = None) -> None:
        """Until a timer is set, work is spawned or ends (or ``timeout`` real seconds).

        A server whose virtual time is held idles here: its next timer is due, but
        only an advance may move the clock to it.
        """
        await self._until_woken(timeout)

    async def wait_for_work(self) -> None:
        """Until a timer is set or work is spawned (a server idles here between runs)."""
        if self.next_due() is not None or self._inflight:
            return
        await self._until_woken(None)

    async def cancel_all(self) -> None:
        tasks, self._inflight = self._inflight, set()
        self._finished.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._timers.clear()
        self._cancelled = 0
