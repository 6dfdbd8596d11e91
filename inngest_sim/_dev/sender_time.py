"""An event's ``ts``, written on its sender's clock, read on the dev server's virtual one.

The Go executor starts a run when its event's ``ts`` comes, so an event stamped in the
future waits (executor.go ``schedule``). An SDK stamps ``ts`` from its own wall clock,
which on a virtual dev server is not the server's: sent a moment ago, it would read as
months ahead of a virtual clock started in the past (or held while real time went on),
and the run would wait for it. The server maps it by the offset between the two clocks
now, so "now" stays now and "in an hour" stays in an hour; the moved ``ts`` is the one
kept. A ``ts`` nearer the virtual now than the real one is taken to be on the virtual
clock already (its sender follows it) and is left as it is. Only events from outside are
moved: those the server makes are on its clock. On the real clock nothing changes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inngest_sim._clock import Clock

__all__ = ["on_server_clock"]


def on_server_clock(clock: Clock, event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with its ``ts`` (milliseconds) moved from the real clock to ``clock``."""
    ts = event.get("ts")
    if not clock.is_virtual or isinstance(ts, bool) or not isinstance(ts, int | float):
        return event
    virtual_ms, real_ms = clock.now() * 1000, time.time() * 1000
    if abs(ts - virtual_ms) <= abs(ts - real_ms):
        # Nearer the virtual now: the sender reads virtual time already (a Python app in
        # the test's process under follow_time(), or the simulator's own clock).
        return event
    return {**event, "ts": int(ts) + round(virtual_ms - real_ms)}
