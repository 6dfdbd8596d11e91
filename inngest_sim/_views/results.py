"""What a test reads after a run: status, output, steps, attempts, requests.

Built from the trace alone, so a result computed from a saved trace is the same
as the live one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from inngest_sim._history.capture import history_of
from inngest_sim._views.sequence import step_sequence
from inngest_sim._views.spans import attempt_spans, group_overlapping, max_overlap
from inngest_sim.trace import (
    BodyExecuted,
    Checkpointed,
    RequestSent,
    ResponseHandled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Trace,
    Waiting,
)

if TYPE_CHECKING:
    from pathlib import Path

    from inngest_sim._history.format import RunHistory

__all__ = ["Attempt", "RequestRecord", "RunResult", "StepResult"]


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


@dataclasses.dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of one step: ``outcome`` is ``ok``, ``error`` (retried) or ``failed``."""

    number: int
    outcome: str
    start: dt.datetime
    end: dt.datetime
    wall_seconds: float
    request_id: str
    error: Mapping[str, Any] | None


@dataclasses.dataclass(frozen=True, slots=True)
class StepResult:
    """Everything that happened to one step (repeats of an id are separate steps)."""

    id: str
    attempts: tuple[Attempt, ...]
    executions: int
    saved: bool
    #: The kind of the stored memo: ``data``, ``error``, ``null`` (a sleep), ``raw`` (an event).
    memo: str | None
    #: What was stored: the output, the error, or the event a wait received.
    value: Any = None

    @property
    def output(self) -> Any:
        """The step's stored output (or the event a wait received); None if none was saved."""
        return None if self.memo == "error" else self.value

    @property
    def error(self) -> Mapping[str, Any] | None:
        """The error stored for a step that failed for good (``name``, ``message``, ``stack``)."""
        return self.value if self.memo == "error" else None

    @property
    def outcome(self) -> str | None:
        return self.attempts[-1].outcome if self.attempts else ("ok" if self.saved else None)

    @property
    def retries(self) -> int:
        return max(0, len(self.attempts) - 1)


@dataclasses.dataclass(frozen=True, slots=True)
class RequestRecord:
    """One execution request of a run: what it asked for and how the SDK answered.

    ``step_id`` is ``"step"`` for a discovery request, else the hashed id of the step
    it targets (``target`` is that step's id as written); ``status`` is the HTTP status
    (None while it is in flight) and ``ops`` the opcodes the answer reported.
    """

    request_id: str
    step_id: str
    target: str | None
    attempt: int
    status: int | None
    ops: tuple[str, ...]


class StepsView(Mapping[str, StepResult]):
    def __init__(self, steps: dict[str, StepResult], run_id: str) -> None:
        self._steps = steps
        self._run_id = run_id

    def __getitem__(self, key: str) -> StepResult:
        try:
            return self._steps[key]
        except KeyError:
            known = ", ".join(self._steps) or "(none)"
            raise KeyError(f"run {self._run_id} has no step {key!r}; its steps: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._steps)

    def __len__(self) -> int:
        return len(self._steps)


class RunResult:
    """The outcome of one run, read from the trace."""

    def __init__(self, trace: Trace, run_id: str) -> None:
        self.run_id = run_id
        self.trace = trace.for_run(run_id)
        queued = self.trace.of(RunQueued)
        if not queued:
            raise KeyError(f"no run {run_id!r} in this trace")
        self.function_id = queued[0].function_id
        self.event = queued[0].event
        self.queued_at = _utc(queued[0].t)
        ended = self.trace.of(RunEnded)
        self._end = ended[-1] if ended else None
        self.steps = StepsView(self._build_steps(), run_id)

    def __repr__(self) -> str:
        return f"<RunResult {self.function_id} {self.run_id} {self.status}>"

    @property
    def status(self) -> str:
        """``Completed``, ``Failed``, ``Cancelled`` or ``Running``."""
        return self._end.status if self._end else "Running"

    @property
    def output(self) -> Any:
        return self._end.output if self._end else None

    @property
    def error(self) -> Mapping[str, Any] | None:
        return self._end.error if self._end else None

    @property
    def ended_at(self) -> dt.datetime | None:
        return _utc(self._end.t) if self._end else None

    @property
    def virtual_duration(self) -> dt.timedelta:
        end = self._end.t if self._end else self.queued_at.timestamp()
        return _utc(end) - self.queued_at

    @property
    def wall_seconds(self) -> float:
        """Real seconds from queueing to the end of the run (so far, if running)."""
        last = self._end or list(self.trace)[-1]
        return last.wall - self.trace.of(RunQueued)[0].wall

    @property
    def step_count(self) -> int:
        return self._end.step_count if self._end else len(self.trace.of(StepSaved))

    @property
    def state_bytes(self) -> int:
        saved = self.trace.of(StepSaved)
        return self._end.state_bytes if self._end else (saved[-1].state_bytes if saved else 0)

    @property
    def requests(self) -> list[RequestRecord]:
        handled = {r.request_id: r for r in self.trace.of(ResponseHandled)}
        return [
            RequestRecord(
                request_id=r.request_id,
                step_id=r.step_id,
                target=r.target,
                attempt=r.attempt,
                status=handled[r.request_id].status if r.request_id in handled else None,
                ops=tuple(handled[r.request_id].ops) if r.request_id in handled else (),
            )
            for r in self.trace.of(RequestSent)
        ]

    @property
    def checkpoints(self) -> list[Checkpointed]:
        """The checkpoints a checkpointing SDK (TypeScript v4) posted for this run: each
        with the step ids it carried and the server's answer (200: saved)."""
        return self.trace.of(Checkpointed)

    @property
    def completion_order(self) -> list[str]:
        """Step ids in the order their results were saved (the run's stack)."""
        return [s.step for s in self.trace.of(StepSaved)]

    def _build_steps(self) -> dict[str, StepResult]:
        ends = {r.request_id: r.t for r in self.trace.of(ResponseHandled)}
        attempts: dict[str, list[Attempt]] = {}
        for a in self.trace.of(StepAttempt):
            attempts.setdefault(a.step, []).append(
                Attempt(
                    number=a.attempt,
                    outcome=a.outcome,
                    start=_utc(a.start),
                    end=_utc(ends.get(a.request_id, a.t)),
                    wall_seconds=a.wall_seconds,
                    request_id=a.request_id,
                    error=a.error,
                )
            )
        saved = {s.step: s for s in self.trace.of(StepSaved)}
        probed: dict[str, int] = {}
        for b in self.trace.of(BodyExecuted):
            probed[b.step] = probed.get(b.step, 0) + 1
        has_probe = bool(self.trace.of(BodyExecuted))
        steps: dict[str, StepResult] = {}
        for key in self._reached_order():
            tries = attempts.get(key, [])
            reported = sum(1 for t in tries if t.outcome in ("ok", "error", "failed"))
            steps[key] = StepResult(
                id=key,
                attempts=tuple(tries),
                executions=probed.get(key, 0) if has_probe else reported,
                saved=key in saved,
                memo=saved[key].memo if key in saved else None,
                value=saved[key].value if key in saved else None,
            )
        return steps

    def history(self) -> RunHistory:
        """The run's state as Inngest holds it now (``inngest_sim.history``): its event,
        memoized steps in save order, and where it stands. Check it against new code
        with ``check_deploy``."""
        return history_of(self.trace, self.run_id)

    def step_sequence(self) -> str:
        """What the run did, normalised for a snapshot test: step ids and kinds,
        parallel groups, attempts and outcomes, sleeps, waits and invokes, and how it
        ended; no ids or times. Compare it with syrupy: ``assert run.step_sequence() ==
        snapshot`` (``pytest --snapshot-update`` writes the snapshot)."""
        return step_sequence(self.trace)

    def save_history(self, path: str | Path) -> Path:
        """Write ``history()`` as JSON to ``path``; returns the path."""
        return self.history().save(path)

    def _reached_order(self) -> list[str]:
        """Step ids in the order the function reached them: its first record of each
        (an attempt, a planned step, a wait, sleep or invoke, or a saved result)."""
        order: dict[str, None] = {}
        for record in self.trace:
            if isinstance(record, StepAttempt | StepSaved | Waiting):
                order.setdefault(record.step, None)
        return list(order)

    def max_concurrency(self, pattern: str | None = None) -> int:
        """The most step attempts of this run that were executing at the same time."""
        return max_concurrency(self.trace, pattern)

    def concurrent_groups(self, pattern: str | None = None) -> list[list[str]]:
        """Sets of steps whose attempts overlapped, in the order they started."""
        return concurrent_groups(self.trace, pattern)


def max_concurrency(trace: Trace, pattern: str | None = None) -> int:
    return max_overlap(attempt_spans(trace, pattern))


def concurrent_groups(trace: Trace, pattern: str | None = None) -> list[list[str]]:
    groups = group_overlapping(attempt_spans(trace, pattern), lambda s: s)
    return [[s.step for s in group] for group in groups]
