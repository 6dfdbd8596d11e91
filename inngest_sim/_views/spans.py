"""When step attempts overlapped: the one rule results, assertions and the report share.

Requests take no virtual time unless a latency is set, so two attempts overlap
by virtual time when both take some, and by trace order (one was sent before
the other was answered) otherwise.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from typing import TYPE_CHECKING, TypeVar

from inngest_sim.trace import ResponseHandled, StepAttempt, Trace

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = ["Span", "attempt_spans", "group_overlapping", "max_overlap"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    start: float
    end: float
    start_seq: float  # trace order; the report places marks between records
    end_seq: float
    step: str

    def overlaps(self, other: Span) -> bool:
        if self.end > self.start and other.end > other.start:
            return self.start < other.end and other.start < self.end
        return self.start_seq < other.end_seq and other.start_seq < self.end_seq


def attempt_spans(trace: Trace, pattern: str | None = None) -> list[Span]:
    """Every executed attempt (not planned ones) whose step matches ``pattern``, in start order."""
    ends = {r.request_id: (r.t, r.seq) for r in trace.of(ResponseHandled)}
    spans = []
    for a in trace.of(StepAttempt):
        if a.outcome == "planned" or (pattern and not fnmatch.fnmatchcase(a.step, pattern)):
            continue
        end, end_seq = ends.get(a.request_id, (a.t, a.seq))
        spans.append(Span(a.start, end, a.start_seq, end_seq, a.step))
    return sorted(spans, key=lambda s: s.start_seq)


def group_overlapping(items: Iterable[T], span: Callable[[T], Span]) -> list[list[T]]:
    """Items in start order, grouped while each overlaps something in the current group."""
    groups: list[list[T]] = []
    for item in sorted(items, key=lambda i: span(i).start_seq):
        if groups and any(span(item).overlaps(span(other)) for other in groups[-1]):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def max_overlap(spans: list[Span]) -> int:
    """The most spans that overlap one of them (itself included)."""
    return max((sum(1 for other in spans if s.overlaps(other)) for s in spans), default=0)
