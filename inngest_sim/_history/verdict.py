"""What the deploy check says of one run history: a kind, where, and what to do."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from inngest_sim._history.format import RunHistory

__all__ = ["KINDS", "DeployReport", "Kind", "RunVerdict"]

Kind = Literal[
    "unchanged",
    "reruns_step",
    "new_step_first",
    "skips_step",
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
