"""Clocks the executor is handed: virtual (tests) or real (``inngest-sim dev``).

Both expose the same small surface. The executor never reads the wall clock for
scheduling decisions; it asks its clock, so the same code runs in milliseconds on
virtual time and in real time on the loopback server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import TYPE_CHECKING, Protocol

from inngest_sim._errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Clock", "RealClock", "VirtualClock"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Clock(Protocol):
    """What the executor needs from a clock. Times are POSIX seconds (floats)."""

    @property
    def is_virtual(self) -> bool: ...

    def now(self) -> float: ...

    async def sleep_until(self, deadline: float, wakeup: asyncio.Event) -> None:
        """Wait until ``deadline`` or until ``wakeup`` is set, whichever is first."""
        ...


def _as_timestamp(start: dt.datetime | float | None) -> float:
    if start is None:
        return time.time()
    if isinstance(start, dt.datetime):
        if start.tzinfo is None:
            raise InvalidArgument(
                f"start={start!r} is a naive datetime; pass an aware one, "
                "e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)"
            )
        return start.timestamp()
    return float(start)


class VirtualClock:
    """Time that only moves when told to, and only forward.

    The executor jumps it to the next due timer when nothing else can run, so a
    two-hour backoff costs no wall time.
    """

    is_virtual = True

    def __init__(self, start: dt.datetime | float | None = None) -> None:
        # Millisecond resolution keeps virtual instants identical to what the SDK
        # writes in Sleep op names (ISO strings with milliseconds).
        self._now = round(_as_timestamp(start), 3)
        self._listeners: list[Callable[[float], None]] = []

    def subscribe(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """Call ``listener(now)`` whenever time moves; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener(self._now)

    def now(self) -> float:
        return self._now

    def datetime(self) -> dt.datetime:
        """The current virtual time as an aware UTC datetime, exact to the millisecond.

        Built from whole milliseconds: a float timestamp can land a hair below the
        millisecond, and the SDK truncates to milliseconds when it writes times.
        """
        return _EPOCH + dt.timedelta(milliseconds=round(self._now * 1000))

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (at least 0)."""
        if seconds < 0:
            raise InvalidArgument(f"seconds={seconds!r}: time can't go backwards")
        self._now += seconds
        self._moved()

    def advance_to(self, when: float) -> None:
        """Move time forward to ``when``; earlier instants are ignored."""
        if when > self._now:
            self._now = when
            self._moved()

    async def sleep_until(self, deadline: float, wakeup: asyncio.Event) -> None:
        # Never called by the autojumping executor; kept so a held clock obeys
        # the protocol: it waits for an outside wakeup only.
        await wakeup.wait()


class RealClock:
    """Wall-clock time, for running the executor as a live server."""

    is_virtual = False

    def now(self) -> float:
        return time.time()

    async def sleep_until(self, deadline: float, wakeup: asyncio.Event) -> None:
        delay = max(0.0, deadline - time.time())
        try:
            await asyncio.wait_for(wakeup.wait(), timeout=delay)
        except TimeoutError:
            return
