"""Where things go on a run's horizontal axis.

The axis is virtual time, with two distortions that keep a report readable:

* Requests often take no virtual time (the simulator's default latency is 0), so
  many things happen at one instant. Within an instant, trace order decides the
  layout: each change between "something starts" and "something ends" moves the
  axis on by a small ``instant`` width, so a zero-time attempt still has a width
  and a sequence of them reads as a staircase.
* Long idle gaps (a one-hour sleep next to two-second requests) are compressed:
  a gap in which no request executes and that is longer than ``cap`` seconds is
  drawn ``cap/4 + cap/16 * log2(gap/cap)`` wide and marked as a break on the axis.

Positions are in *units*: one unit is one second wherever time is linear, and
the page scales units to pixels (and zooms) in JavaScript.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import statistics
from typing import TYPE_CHECKING, Any

from inngest_sim._views.spans import Span, group_overlapping

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "END",
    "MARK",
    "START",
    "Interval",
    "Stop",
    "TimeLayout",
    "chunks",
    "concurrency",
    "round_x",
]

START, END, MARK = "S", "E", "N"


@dataclasses.dataclass(frozen=True, slots=True)
class Stop:
    """A point of the axis: virtual time ``t``, trace order ``seq`` and what happens there.

    ``kind`` is START (a request or a resume begins something), END (a response
    ends something) or MARK (anything else, which never widens an instant).
    """

    t: float
    seq: float
    kind: str = MARK

    @property
    def key(self) -> tuple[float, float]:
        return (self.t, self.seq)


@dataclasses.dataclass(frozen=True, slots=True)
class Interval:
    """One executed step attempt, as ``RunResult.concurrent_groups`` sees it."""

    start: Stop
    end: Stop
    label: str


class TimeLayout:
    """Maps the stops of one run to axis units (see the module docstring)."""

    def __init__(
        self,
        stops: Iterable[Stop],
        executing: Sequence[tuple[Stop, Stop]],
        t0: float,
    ) -> None:
        durations = [b.t - a.t for a, b in executing if b.t > a.t]
        # The typical request duration sets the scale of everything drawn by order.
        self.unit = statistics.median(durations) if durations else 0.0
        self.instant = self.unit / 4 if self.unit > 0 else 1.0
        self.cap = max(60.0, 30 * self.unit)
        self.t0 = t0
        kinds: dict[tuple[float, float], str] = {}
        for stop in stops:
            if kinds.get(stop.key, MARK) == MARK:
                kinds[stop.key] = stop.kind
        delta: dict[tuple[float, float], int] = {}
        for a, b in executing:
            delta[a.key] = delta.get(a.key, 0) + 1
            delta[b.key] = delta.get(b.key, 0) - 1
            kinds.setdefault(a.key, a.kind)
            kinds.setdefault(b.key, b.kind)
        self._keys = sorted(kinds)
        self._x: dict[tuple[float, float], float] = {}
        self.pieces: list[list[float]] = []  # [t_from, t_to, x_from]: linear, relative to t0
        self.gaps: list[list[float]] = []  # [x_from, x_to, seconds, t_to]: compressed idle time
        self.jumps = 0  # how many times an instant was widened
        self._place(kinds, delta)

    def _place(self, kinds: dict[tuple[float, float], str], delta: dict[Any, int]) -> None:
        x = 0.0
        active = 0
        last_kind: str | None = None
        prev: tuple[float, float] | None = None
        for key in self._keys:
            t, kind = key[0], kinds[key]
            if prev is not None and t > prev[0]:
                dt = t - prev[0]
                if active <= 0 and dt > self.cap:
                    width = self.gap_width(dt)
                    self.gaps.append([x, x + width, dt, t - self.t0])
                else:
                    width = dt
                    self._add_piece(prev[0] - self.t0, t - self.t0, x)
                x += width
                last_kind = None
            if kind != MARK:
                if last_kind is not None and last_kind != kind:
                    x += self.instant
                    self.jumps += 1
                last_kind = kind
            self._x[key] = x
            active += delta.get(key, 0)
            prev = key
        self.total = x

    def gap_width(self, seconds: float) -> float:
        """The width of a compressed gap: a quarter of ``cap``, growing with its log.

        Deliberately narrower than ``cap`` (a gap just over ``cap`` is drawn
        narrower than one just under it): compressed gaps are marked as breaks
        with their real duration, and a one-hour sleep should not crowd out the
        seconds of work around it.
        """
        return self.cap / 4 + self.cap / 16 * math.log2(seconds / self.cap)

    def _add_piece(self, t_from: float, t_to: float, x_from: float) -> None:
        if self.pieces:
            last = self.pieces[-1]
            if last[1] == t_from and math.isclose(last[2] + (last[1] - last[0]), x_from):
                last[1] = t_to
                return
        self.pieces.append([t_from, t_to, x_from])

    def x(self, stop: Stop) -> float:
        """The position of ``stop`` (a stop given to the constructor, or any other)."""
        known = self._x.get(stop.key)
        if known is not None:
            return known
        i = bisect.bisect_right(self._keys, stop.key) - 1
        if i < 0:
            return 0.0
        before = self._keys[i]
        if i + 1 >= len(self._keys):
            return self._x[before] + max(0.0, stop.t - before[0])
        after = self._keys[i + 1]
        if after[0] <= before[0]:
            return self._x[before]
        share = (stop.t - before[0]) / (after[0] - before[0])
        return self._x[before] + share * (self._x[after] - self._x[before])

    @property
    def order_only(self) -> bool:
        """True when requests took no virtual time, so widths show order, not duration."""
        return self.unit == 0 and self.jumps > 0


def _span(r: Interval) -> Span:
    return Span(r.start.t, r.end.t, r.start.seq, r.end.seq, r.label)


def chunks(intervals: Sequence[Interval], layout: TimeLayout) -> list[dict[str, Any]]:
    """Groups of attempts that overlapped (as ``RunResult.concurrent_groups`` groups them),
    in start order, with their axis extent."""
    groups = group_overlapping(intervals, _span)
    return [
        {
            "a": round_x(min(layout.x(r.start) for r in group)),
            "b": round_x(max(layout.x(r.end) for r in group)),
            "steps": [r.label for r in group],
        }
        for group in groups
    ]


def concurrency(extents: Iterable[tuple[float, float]]) -> tuple[list[list[float]], int]:
    """A step curve ``[[x, count], ...]`` of attempts executing, and its peak.

    ``count`` holds from ``x`` to the next point; ends sort before starts so
    attempts that touch do not count as overlapping.
    """
    spans = [(a, b) for a, b in extents if b > a]
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    points: list[list[float]] = []
    count = peak = 0
    for i, (x, change) in enumerate(events):
        count += change
        if i + 1 < len(events) and events[i + 1][0] == x:
            continue
        peak = max(peak, count)
        if points and points[-1][1] == count:
            continue
        points.append([round_x(x), count])
    return points, peak


def round_x(value: float) -> float:
    """Round a position: seven significant digits stay exact at any zoom and keep pages small."""
    if value == 0 or not math.isfinite(value):
        return 0.0
    return round(value, max(0, 6 - math.floor(math.log10(abs(value)))))
