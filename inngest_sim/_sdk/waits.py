"""The SDK's own waits on the simulator's clock: the backoff between its send retries.

``client.send`` and ``client.send_sync`` (and so ``step.send_event``) try a failed call to
the Event API up to five times, sleeping ``_compute_backoff_delay(attempt)`` real seconds
between tries: 0.1 s * 2**attempt plus up to 0.1 s of jitter, about 1.5 s for a call that
fails four times (``inngest/_internal/client_lib/client.py``). Under an injected API fault
that is wall time a test spends for nothing. While a simulator on virtual time is open, the
SDK's delay function is replaced by one that works out the same delay (its jitter drawn from
the simulator's seeded RNG, so runs repeat), moves the virtual clock by it, and hands the SDK
0: its ``asyncio.sleep``/``time.sleep`` only yields.

The replacement is process-wide while any simulator is open (the SDK reads the function from
its module at each retry); the innermost open simulator's clock moves. Inside
``sim.hold_time()`` the clock does not move by itself, so the retries follow one another at
the same instant. An SDK without the function (another layout) keeps its real waits.
"""

from __future__ import annotations

import contextlib
import random
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from inngest_sim._clock import VirtualClock

__all__ = ["SdkWaits", "sdk_waits_on"]

_MODULE = "inngest._internal.client_lib.client"
_FUNCTION = "_compute_backoff_delay"


class SdkWaits:
    """One simulator's clock and RNG for the SDK's waits, and the waits it took (seconds)."""

    def __init__(self, clock: VirtualClock, seed: int, base: float) -> None:
        self.clock = clock
        self.base = base
        self.waited: list[float] = []
        self._rng = random.Random(f"sdk-waits-{seed}")

    def delay(self, attempt: int) -> float:
        """The SDK's delay for ``attempt``, spent on the virtual clock; 0 real seconds."""
        seconds = self.base * (2**attempt) + self._rng.random() * self.base
        self.waited.append(seconds)
        self.clock.reach(self.clock.now() + seconds, asked=False)
        return 0.0


_open: list[SdkWaits] = []
_original: Any = None


def _delay(attempt: int) -> float:
    return _open[-1].delay(attempt)


@contextlib.contextmanager
def sdk_waits_on(clock: VirtualClock, seed: int) -> Iterator[SdkWaits | None]:
    """While open, the SDK's send-retry waits move ``clock`` instead of sleeping.

    Yields the ``SdkWaits`` (None when this SDK has no such function to replace).
    """
    global _original
    module = sys.modules.get(_MODULE)
    if module is None:
        import importlib

        module = importlib.import_module(_MODULE)
    base = getattr(module, "RETRY_BASE_DELAY", None)
    found = getattr(module, _FUNCTION, None)
    if not callable(found) or isinstance(base, bool) or not isinstance(base, int | float):
        yield None
        return
    waits = SdkWaits(clock, seed, float(base))
    if not _open:
        _original = found
        setattr(module, _FUNCTION, _delay)
    _open.append(waits)
    try:
        yield waits
    finally:
        _open.remove(waits)
        if not _open:
            setattr(module, _FUNCTION, _original)
            _original = None
