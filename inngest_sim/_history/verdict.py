"""What the deploy check says of one run history: a kind, where, and what to do."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

from inngest_sim._protocol import memo_kind
from inngest_sim.trace import ReplayDiverged, RunQueued, StepSaved, Trace, Waiting

if TYPE_CHECKING:
    from inngest_sim._history.format import RunHistory
    from inngest_sim.trace import Record

__all__ = ["KINDS", "DeployReport", "Kind", "RunVerdict"]

Kind = Literal[
    "unchanged",
    "reruns_step",
    "new_step_first",
    "skips_step",
    "replaces_step",
    "unreadable_output",
    "diverges",
    "finishes_differently",
]

KINDS: dict[str, tuple[str, str]] = {
    "unchanged": ("continues unchanged", ""),
    "reruns_step": (
        "would re-run a completed step",
        "keep the old step id, or version the function (a new function id for the new "
        "code, the old function kept until its runs end)",
    ),
    "new_step_first": (
        "would run a new step before memoized ones",
        "add the new step after the old ones, or version the function with a new id",
    ),
    "skips_step": (
        "would skip or never reach a memoized step",
        "keep the old steps, in their order, on the path the run took; or version the "
        "function with a new id",
    ),
    "replaces_step": (
        "would run a new step in place of a step in flight",
        "keep the ids of steps that may be retrying, or version the function with a new id",
    ),
    "unreadable_output": (
        "fails to read an old output",
        "keep the step's output shape (or read both shapes), or version the function with a new id",
    ),
    "diverges": (
        "diverges (the SDK's non-determinism error)",
        "keep the ids of steps that may be in flight, or version the function with a new id",
    ),
    "finishes_differently": (
        "finishes differently",
        "if the new result is intended, nothing is at risk for ended runs; else keep the "
        "old behaviour for them or version the function with a new id",
    ),
}
"""Each verdict kind: what it says in words, and the advice that goes with it."""


@dataclasses.dataclass(frozen=True, slots=True)
class RunVerdict:
    """The check's answer for one history.

    ``step`` is the first old step (as written) where the new code differs and
    ``new_step`` the step the new code has there, when it has one.
    """

    history: RunHistory
    kind: Kind
    step: str | None = None
    new_step: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "unchanged"

    @property
    def summary(self) -> str:
        return KINDS[self.kind][0]

    @property
    def advice(self) -> str:
        return KINDS[self.kind][1]

    @property
    def name(self) -> str:
        """The history's file, or its run id when it was not read from a file."""
        return self.history.source or self.history.run_id

    def trace(self) -> Trace:
        """The history's steps and, where the new code differs, a ``ReplayDiverged``
        record: open it with ``inngest_sim.report.write_html`` or ``write_perfetto``."""
        return _verdict_trace(self)

    def line(self) -> str:
        """One line: the run, where it stands, the verdict, where and why, what to do."""
        h = self.history
        text = f"{self.name}: {h.function_id} ({h.describe()}): {self.summary}"
        if self.step is not None:
            text += f" at step {self.step!r}"
            if self.new_step is not None:
                text += f" (new code: {self.new_step!r})"
        if self.detail:
            text += f": {self.detail}"
        if self.advice:
            text += f". Fix: {self.advice}"
        return text


@dataclasses.dataclass(frozen=True, slots=True)
class DeployReport:
    """The deploy check over a set of histories: one verdict per run, in order."""

    verdicts: tuple[RunVerdict, ...]

    @property
    def ok(self) -> bool:
        """True when every run continues unchanged."""
        return all(v.ok for v in self.verdicts)

    @property
    def unsafe(self) -> list[RunVerdict]:
        """The verdicts of the runs that would not continue unchanged."""
        return [v for v in self.verdicts if not v.ok]

    def render(self) -> str:
        """One line per run, then a count."""
        lines = [v.line() for v in self.verdicts]
        bad = len(self.unsafe)
        lines.append(
            f"{len(self.verdicts)} run(s) checked: "
            + ("all continue unchanged" if bad == 0 else f"{bad} would not continue unchanged")
        )
        return "\n".join(lines)


def _verdict_trace(verdict: RunVerdict) -> Trace:
    """The history's steps as records, and the verdict where the replay left them.

    The HTML report and the Perfetto export read traces: this one shows the memoized steps
    in save order, the op the run is paused on, and a ``ReplayDiverged`` mark on the old
    step's lane where the new code differs.
    """
    h = verdict.history
    ts = h.events[0].get("ts")
    # A history keeps no times but the event's and the pause's: the steps stand at the
    # event's time, in save order (the report spreads records of one instant by order).
    t = ts / 1000 if isinstance(ts, int | float) else 0.0
    records: list[Record] = []

    def add(cls: type[Record], **fields: Any) -> None:
        records.append(cls(seq=len(records), t=t, wall=0.0, **fields))

    add(
        RunQueued,
        run_id=h.run_id,
        function_id=h.function_id,
        event=h.events[0],
        batch_size=len(h.events),
        config=h.config,
        events=list(h.events) if len(h.events) > 1 else [],
    )
    for size, step in enumerate(h.steps, start=1):
        memo = step.memo
        kind = memo_kind(memo)
        add(
            StepSaved,
            run_id=h.run_id,
            step=step.id,
            step_hash=step.hashed_id,
            op=step.op,
            memo=kind,
            bytes=0,
            state_bytes=0,
            step_count=size,
            value=memo[kind] if kind in ("data", "error") else memo,
        )
    if h.paused_on is not None:
        add(
            Waiting,
            run_id=h.run_id,
            step=h.paused_on.id,
            step_hash=h.paused_on.hashed_id,
            op=h.paused_on.op,
            until=h.until.timestamp() if h.until is not None else None,
        )
    if not verdict.ok:
        add(
            ReplayDiverged,
            run_id=h.run_id,
            verdict=verdict.kind,
            step=verdict.step,
            new_step=verdict.new_step,
            detail=verdict.line(),
        )
    return Trace(records)
