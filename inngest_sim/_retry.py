"""When a failed attempt runs again: Inngest's backoff table and Retry-After.

One seeded ``random.Random`` supplies the jitter, so a given seed always gives
the same schedule.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._protocol import ProtocolError, parse_iso_time

if TYPE_CHECKING:
    import random

__all__ = ["DEFAULT_RETRIES", "MAX_RETRIES", "Backoff", "retry_after_delay"]

DEFAULT_RETRIES = 4
MAX_RETRIES = 20
MIN_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 24 * 3600.0

_TABLE = (15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 2400.0, 3600.0, 7200.0)


@dataclasses.dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before the next attempt, after the ``attempt``-th (0-based) failed.

    ``jitter`` is the upper bound of the uniform random delay Inngest adds (30 s);
    set it to 0 for exact, table-only schedules.
    """

    table: tuple[float, ...] = _TABLE
    jitter: float = 30.0

    def __post_init__(self) -> None:
        table = self.table
        valid = isinstance(table, tuple | list) and bool(table)
        if not valid or not all(_seconds(step) for step in table):
            raise InvalidArgument(
                f"Backoff.table={table!r} must be a non-empty tuple of finite seconds >= 0, "
                "e.g. (15, 30, 60)"
            )
        if not _seconds(self.jitter):
            raise InvalidArgument(
                f"Backoff.jitter={self.jitter!r} must be finite seconds >= 0 (0 turns it off)"
            )

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry ``attempt`` (0-based), jitter drawn from ``rng``."""
        base = self.table[min(attempt, len(self.table) - 1)]
        return base + (rng.uniform(0, self.jitter) if self.jitter else 0.0)


def _seconds(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def retry_after_delay(value: str, now: float) -> float | None:
    """Seconds to wait for a ``retry-after`` header, clamped to [1 s, 24 h] like Inngest.

    Returns None for values Inngest would ignore (then the backoff table applies).
    """
    value = value.strip()
    if len(value) <= 7 and value.isdigit():
        delay = float(value)
    else:
        try:
            # The header has millisecond precision; keep float noise out of schedules.
            delay = round(parse_iso_time(value) - now, 3)
        except (ProtocolError, ValueError):
            return None
    return min(max(delay, MIN_RETRY_AFTER), MAX_RETRY_AFTER)
