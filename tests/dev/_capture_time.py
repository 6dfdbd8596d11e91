"""The capture executor's virtual clock and the SDK's time strings.

Sleeps and timeouts never take real time here: timers fire in wake-time order once no request
is left to send, so a capture is fast and the same every time.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# The clock's start: fixed, so computed wake times in fixtures never change.
EPOCH = datetime(2030, 1, 1, tzinfo=UTC)

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_COMPOUND = re.compile(r"(\d+)([wdhms])")


def parse_time(value: str, now: datetime) -> datetime:
    """An op's time string as an instant: an ISO instant, `1w2d3h4m5s`, or `""` (now)."""
    if value == "":
        return now
    if _COMPOUND.sub("", value) == "":
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _COMPOUND.findall(value))
        return now + timedelta(seconds=seconds)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class VirtualClock:
    now: datetime = EPOCH
    _timers: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    _seq: int = 0

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self._seq += 1
        heapq.heappush(self._timers, (when, self._seq, action))

    def fire_next(self) -> bool:
        """Advance to the earliest timer and run it; False when none is left."""
        if not self._timers:
            return False
        when, _, action = heapq.heappop(self._timers)
        self.now = max(self.now, when)
        action()
        return True
