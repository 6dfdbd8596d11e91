"""Completion order of parallel steps, chosen by a seed or given explicitly.

Targeted requests of one parallel group are sent at the same virtual instant.
Giving each a small virtual latency decides the order their answers are
handled in, and so the order race-mode and fan-in logic sees them finish.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Callable, Sequence

from inngest_sim._errors import InvalidArgument

__all__ = ["Latency", "completion_latency"]

Latency = Callable[[str, str | None], float]
_MS = 0.001


def _seeded(seed: int) -> Latency:
    def latency(function_id: str, step: str | None) -> float:
        if step is None:
            return 0.0
        # Derived from (seed, function, step) alone, so the order does not depend
        # on the order requests happened to be sent in.
        return random.Random(f"{seed}|{function_id}|{step}").randint(1, 1000) * _MS

    return latency


def _explicit(order: Sequence[str]) -> Latency:
    patterns = list(order)

    def latency(function_id: str, step: str | None) -> float:
        if step is None:
            return 0.0
        rank = next(
            (i for i, p in enumerate(patterns) if fnmatch.fnmatchcase(step, p)), len(patterns)
        )
        return (rank + 1) * _MS

    return latency


def completion_latency(order: int | Sequence[str] | Latency) -> Latency:
    """A request-latency function that makes parallel steps finish in ``order``.

    ``order`` is a seed (a pseudo-random order per seed), a list of step id globs
    (earlier patterns finish first; unmatched steps finish last), or a callable
    ``(function_id, step_id) -> seconds``.
    """
    if isinstance(order, bool):
        raise InvalidArgument(
            f"completion_order={order!r}: pass a seed, a list of steps or a callable"
        )
    if isinstance(order, int):
        return _seeded(order)
    if isinstance(order, str):
        raise InvalidArgument(
            f"completion_order={order!r} is a string; pass a list of step ids, e.g. [{order!r}]"
        )
    if callable(order):
        return order
    return _explicit(order)
