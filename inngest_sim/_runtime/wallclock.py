"""Wall-clock time in function code, read from the virtual clock (with time-machine).

While a simulator with ``freeze_time=True`` is open, these read virtual time:
``datetime.datetime.now()``/``utcnow()``/``today()``, ``datetime.date.today()``,
``time.time()``/``time_ns()``, ``time.gmtime()``/``localtime()``/``strftime()`` without an
argument, and ``uuid.uuid1()``'s timestamp. Outside step bodies they stand still at the
virtual instant, so what the SDK computes from them (a sleep's end) is exact; inside a step
body they move on from the virtual instant the body started, in whole seconds of real
time, so code that polls until a deadline finishes, while a deadline computed in the body's
first second (a ``RetryAfterError`` raised after a quick provider call) is still exact and
the schedule does not depend on the machine's speed. ``time.monotonic()``,
``time.perf_counter()``, ``time.process_time()`` and the event loop's clock are never
touched: code that measures elapsed time keeps working.

time-machine patches those functions at their C level and asks the innermost traveller on
its stack for the time; the traveller here answers per execution context (a contextvar the
probe sets around each body), which is how one body ticks while the SDK's own code, in
other requests, does not.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator

    from inngest_sim._clock import VirtualClock

__all__ = ["WallClock"]

_SECOND = 1_000_000_000
# (virtual ns, real ns) when the current step body started; unset outside bodies.
_BODY: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "inngest_sim_body_time", default=None
)


class WallClock:
    """Makes the process's wall clock read ``clock`` while started."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock

    @contextlib.contextmanager
    def started(self) -> Iterator[None]:
        import time_machine

        real_ns, traveller_class = _traveller_class()
        clock = self.clock
        travel = time_machine.travel(clock.datetime(), tick=False)
        travel.start()
        traveller = traveller_class(_ns(clock.datetime()), None, False)
        time_machine.traveller_stack[-1] = traveller

        def moved(_now: float) -> None:
            traveller._destination_timestamp_ns = _ns(clock.datetime())

        unsubscribe = clock.subscribe(moved)
        self._real_ns = real_ns
        self._traveller = traveller
        try:
            yield
        finally:
            unsubscribe()
            travel.stop()

    @contextlib.contextmanager
    def body(self) -> Iterator[None]:
        """Inside this block (one step body's execution) wall-clock time moves on."""
        token = _BODY.set((self._traveller._destination_timestamp_ns, self._real_ns()))
        try:
            yield
        finally:
            _BODY.reset(token)


@functools.cache
def _traveller_class() -> tuple[Callable[[], int], type[Any]]:
    """time-machine's own ``time_ns`` and a traveller that ticks inside step bodies only.

    Made once (time-machine is imported only when a simulator freezes time).
    """
    import time_machine
    from time_machine import _time_machine  # type: ignore[attr-defined]

    real_ns: Callable[[], int] = _time_machine.original_time_ns

    class _Traveller(time_machine.Traveller):
        """Frozen at the virtual instant, except inside a step body."""

        def time_ns(self) -> int:
            body = _BODY.get()
            if body is None:
                frozen: int = self._destination_timestamp_ns
                return frozen
            virtual_start, real_start = body
            whole_seconds = (real_ns() - real_start) // _SECOND * _SECOND
            return virtual_start + whole_seconds

    return real_ns, _Traveller


def _ns(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000
