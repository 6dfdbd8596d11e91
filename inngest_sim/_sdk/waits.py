"""The SDK's own waits on the simulator's clock: the backoff between its send retries.

``client.send`` and ``client.send_sync`` (and so ``step.send_event``) try a failed call to
the Event API up to five times, sleeping ``_compute_backoff_delay(attempt)`` real seconds
between tries: 0.1 s * 2**attempt plus up to 0.1 s of jitter, about 1.5 s for a call that
fails four times (``inngest/_internal/client_lib/client.py``). Under an injected API fault
that is wall time a test spends for nothing. While a simulator on virtual time is open, the
SDK's delay function is replaced by one that works out the same delay (its jitter drawn from
the simulator's seeded RNG, so runs repeat), moves the virtual clock by it, and hands the SDK
0: its ``asyncio.sleep``/``time.sleep`` only yields.

The replacement is process-wide while any simulator on virtual time is open (the SDK reads
the function from its module at each retry); the innermost open simulator's clock moves.
Inside ``sim.hold_time()`` the clock does not move by itself, so the retries follow one
another at the same instant. An SDK without the function (another layout) keeps its real
waits. This module says what replaces it (``patch``); ``inngest_sim._sdk.scope`` installs
it, with the probe and the accelerator, and restores the SDK's own function when the last
such simulator closes.
"""

from __future__ import annotations

import importlib
import random
from typing import TYPE_CHECKING

from inngest_sim._sdk.patch import Patch

if TYPE_CHECKING:
    from inngest_sim._clock import VirtualClock

__all__ = ["SdkWaits", "patch"]

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


def patch(open_waits: list[SdkWaits]) -> tuple[Patch, float] | None:
    """The SDK's delay function replaced by one that asks the last of ``open_waits``, and
    the SDK's base delay; None on an SDK without the function or a numeric base."""
    try:
        module = importlib.import_module(_MODULE)
    except ImportError:
        return None
    base = module.__dict__.get("RETRY_BASE_DELAY")
    found = module.__dict__.get(_FUNCTION)
    if not callable(found) or isinstance(base, bool) or not isinstance(base, int | float):
        return None

    def delay(attempt: int) -> float:
        # An SDK thread can have read this function just before the last simulator closed
        # and restored the SDK's own: with none open, that call gets the SDK's own delay.
        return open_waits[-1].delay(attempt) if open_waits else float(found(attempt))

    return Patch(module, _FUNCTION, found, delay), float(base)
