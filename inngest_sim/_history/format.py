"""The run history: one run's state as the executor holds it, as a versioned JSON document.

A history is what Inngest would send the new code when the run resumes: the function,
the triggering events, the memoized steps in the order they were saved (each memo
exactly as the server puts it in a request's ``steps`` map), and where the run stands:
running (with the steps in flight), sleeping, waiting for an event, invoking another
function, or ended. ``docs/history-format.md`` documents every field.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import datetime as dt

__all__ = [
    "FORMAT",
    "STATES",
    "VERSION",
    "HistoryStep",
    "PendingStep",
    "RunHistory",
]

FORMAT = "inngest-sim/run-history"
"""The ``format`` field of every run history file."""
VERSION = 1
"""The history format this inngest-sim writes and the newest it reads."""

State = Literal["running", "sleeping", "waiting", "invoking", "ended"]
STATES: tuple[State, ...] = ("running", "sleeping", "waiting", "invoking", "ended")
#: The op a run is paused on, for each paused state.
PAUSED_OPS: dict[State, str] = {
    "sleeping": "Sleep",
    "waiting": "WaitForEvent",
    "invoking": "InvokeFunction",
}


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryStep:
    """A memoized step: ``memo`` is what the server sends back for it.

    ``{"data": output}`` for a step's output, ``{"error": {...}}`` for a step that
    failed for good, ``None`` for a finished sleep, the event a wait received (or
    ``None`` when it timed out), ``{"data": output}`` for an invoked function.
    """

    id: str
    hashed_id: str
    op: str
    memo: Any
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The step as it appears in the file's ``steps`` list."""
        return {**_step_fields(self), "memo": self.memo}


@dataclasses.dataclass(frozen=True, slots=True)
class PendingStep:
    """A step the run has started but not saved: in flight, or the op it is paused on."""

    id: str
    hashed_id: str
    op: str
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The step as it appears in ``in_flight`` or ``where.step``."""
        return _step_fields(self)


@dataclasses.dataclass(frozen=True, slots=True)
class RunHistory:
    """One run's state, as Inngest holds it between two requests.

    ``state`` is ``running`` (``in_flight`` lists the steps started and not saved),
    ``sleeping`` / ``waiting`` / ``invoking`` (``paused_on`` is that op, ``until`` when
    it times out) or ``ended`` (``status`` says how; ``output`` or ``error``).
    """

    run_id: str
    function_id: str
    config: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    status: str
    state: State
    steps: tuple[HistoryStep, ...]
    in_flight: tuple[PendingStep, ...] = ()
    paused_on: PendingStep | None = None
    until: dt.datetime | None = None
    output: Any = None
    error: dict[str, Any] | None = None
    #: Where the history was read from (a file's path), for messages; not saved.
    source: str | None = dataclasses.field(default=None, compare=False)

    @property
    def memos(self) -> dict[str, Any]:
        """The ``steps`` map of the request the server sends when the run resumes."""
        return {s.hashed_id: s.memo for s in self.steps}

    def to_dict(self) -> dict[str, Any]:
        """The history as JSON-ready data (``to_json`` writes it)."""
        where: dict[str, Any] = {"state": self.state}
        if self.paused_on is not None:
            where["step"] = self.paused_on.to_dict()
            where["until"] = _iso(self.until)
        return {
            "format": FORMAT,
            "version": VERSION,
            "run_id": self.run_id,
            "function": {"id": self.function_id, "config": self.config},
            "events": list(self.events),
            "status": self.status,
            "where": where,
            "steps": [s.to_dict() for s in self.steps],
            "in_flight": [s.to_dict() for s in self.in_flight],
            "output": self.output,
            "error": self.error,
        }

    def to_json(self) -> str:
        """The history as JSON, keys sorted and indented, so a diff of two reads well."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save(self, path: str | Path) -> Path:
        """Write the history to ``path`` (its folder made); returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.to_json(), encoding="utf-8")
        return target

    def describe(self) -> str:
        """Where the run stands, in words: ``asleep at 'wait-0' until ...``."""
        if self.state == "ended":
            return f"ended {self.status}"
        if self.paused_on is not None:
            until = f" until {_iso(self.until)}" if self.until else ""
            return f"{self.state} at {self.paused_on.id!r}{until}"
        flying = ", ".join(repr(s.id) for s in self.in_flight)
        return f"running ({flying} in flight)" if flying else "running"


def _step_fields(step: HistoryStep | PendingStep) -> dict[str, Any]:
    return {"id": step.id, "hashed_id": step.hashed_id, "op": step.op, "attempts": step.attempts}


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when is not None else None
