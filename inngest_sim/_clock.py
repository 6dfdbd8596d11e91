"""Clocks the simulator is handed: virtual (tests) or real (a live server).

The scheduler never branches on which one it has. It asks the clock two questions,
as trio's run loop asks its ``Clock``: how many real seconds until a deadline comes
by itself (``Clock.real_seconds_until``; a virtual clock never moves on its own),
and whether the clock will jump to a deadline now that nothing else can run
(``Clock.reach``). A ``VirtualClock`` jumps when it autojumps, or when a test
asks time to move (``sim.advance``); inside ``sim.hold_time()`` it does not.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import TYPE_CHECKING, Protocol

from inngest_sim._validation import check_datetime, check_duration

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Clock", "RealClock", "VirtualClock"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Clock(Protocol):
    """What the simulator needs from a clock. Times are POSIX seconds (floats)."""

    @property
    def is_virtual(self) -> bool:
        """Whether time moves only when the simulator moves it."""
        ...

    @property
    def held(self) -> bool:
        """Whether time is held: it reaches a deadline only when a test asks it to."""
        ...

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        ...

    def real_seconds_until(self, deadline: float) -> float | None:
        """Real seconds until ``deadline`` comes by itself; None when it never does."""
        ...

    def reach(self, deadline: float, *, asked: bool) -> bool:
        """Jump to ``deadline`` if this clock may (``asked``: a test asked time to move).

        Returns whether time is now at or past ``deadline``.
        """
        ...


def _as_timestamp(start: dt.datetime | float | None) -> float:
    return time.time() if start is None else check_datetime("start", start)


class VirtualClock:
    """Time that only moves when told to, and only forward.

    With ``autojump`` (the default) it jumps to the next due timer whenever nothing
    else can run, so a two-hour backoff costs no wall time; without it, time moves
    only when a test advances it.
    """

    is_virtual = True

    def __init__(self, start: dt.datetime | float | None = None, *, autojump: bool = True) -> None:
        # Millisecond resolution keeps virtual instants identical to what the SDK
        # writes in Sleep op names (ISO strings with milliseconds).
        self._now = round(_as_timestamp(start), 3)
        self.autojump = autojump
        self._listeners: list[Callable[[float], None]] = []

    def subscribe(self, listener: Callable[[float], None]) -> Callable[[], None]:
        """Call ``listener(now)`` whenever time moves; returns an unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _moved(self) -> None:
        for listener in list(self._listeners):
            listener(self._now)

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        return self._now

    def datetime(self) -> dt.datetime:
        """The current virtual time as an aware UTC datetime, exact to the millisecond.

        Built from whole milliseconds: a float timestamp can land a hair below the
        millisecond, and the SDK truncates to milliseconds when it writes times.
        """
        return _EPOCH + dt.timedelta(milliseconds=round(self._now * 1000))

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds`` (at least 0)."""
        delta = check_duration("seconds", seconds)
        assert delta is not None
        self.advance_to(self._now + delta)

    def advance_to(self, when: float) -> None:
        """Move time forward to ``when``, or the next whole millisecond after it.

        Earlier instants are ignored. Time stays on whole milliseconds (the precision of
        the times the SDK writes), so a deadline the SDK computes from it, such as a
        ``RetryAfterError``'s, comes back exactly.
        """
        if when > self._now:
            # The epsilon keeps float noise (100.001 * 1000 = 100000.99999...) from
            # adding a millisecond; the max keeps time from stopping a hair short of a
            # deadline that float noise put just past the millisecond.
            self._now = max(when, math.ceil(when * 1000 - 1e-6) / 1000)
            self._moved()

    def real_seconds_until(self, deadline: float) -> float | None:
        """None: virtual time never passes by itself."""
        return None

    @property
    def held(self) -> bool:
        """Held inside ``hold_time()`` (autojump off): only ``advance`` moves it."""
        return not self.autojump

    def reach(self, deadline: float, *, asked: bool) -> bool:
        """Jump to ``deadline`` when autojumping or ``asked``; whether the clock is there."""
        if self.autojump or asked:
            self.advance_to(deadline)
        return self._now >= deadline


class RealClock:
    """Wall-clock time, for running the simulator as a live server."""

    is_virtual = False
    held = False  # real time passes whatever a test does

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        return time.time()

    def real_seconds_until(self, deadline: float) -> float | None:
        """The real seconds left until ``deadline`` (0 once it has passed)."""
        return max(0.0, deadline - time.time())

    def reach(self, deadline: float, *, asked: bool) -> bool:
        """Whether ``deadline`` has come: real time cannot be made to jump."""
        return time.time() >= deadline
