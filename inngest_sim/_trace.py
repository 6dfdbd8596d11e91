"""The trace: an append-only list of frozen records that every view reads from.

Results, assertions, the timeline and the HTML report are all computed from the
trace, so a trace saved as JSON and loaded again gives the same answers.
Each record carries ``seq`` (a global order), ``t`` (virtual POSIX seconds) and
``wall`` (real seconds since the simulator started).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = [
    "BodyExecuted",
    "EventReceived",
    "FaultApplied",
    "Published",
    "Record",
    "RequestSent",
    "ResponseHandled",
    "RetryScheduled",
    "RunEnded",
    "RunQueued",
    "StepAttempt",
    "StepSaved",
    "Trace",
    "Waiting",
    "record_class",
]

_KINDS: dict[str, type[Record]] = {}
R = TypeVar("R", bound="Record")


def _register(cls: type[R]) -> type[R]:
    _KINDS[cls.kind] = cls
    return cls


def record_class(kind: str) -> type[Record] | None:
    """The record class registered for ``kind`` (flow-control modules register theirs too)."""
    return _KINDS.get(kind)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    kind: ClassVar[str] = "record"
    seq: int
    t: float
    wall: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, **dataclasses.asdict(self)}


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunQueued(Record):
    kind: ClassVar[str] = "run_queued"
    run_id: str
    function_id: str
    event: dict[str, Any]
    batch_size: int = 1
    parent_run_id: str | None = None


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunEnded(Record):
    kind: ClassVar[str] = "run_ended"
    run_id: str
    function_id: str
    status: str
    output: Any = None
    error: dict[str, Any] | None = None
    step_count: int = 0
    state_bytes: int = 0


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RequestSent(Record):
    kind: ClassVar[str] = "request_sent"
    run_id: str
    request_id: str
    step_id: str
    target: str | None
    attempt: int
    disable_immediate_execution: bool
    use_api: bool


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ResponseHandled(Record):
    kind: ClassVar[str] = "response_handled"
    run_id: str
    request_id: str
    status: int
    ops: list[str]
    error: dict[str, Any] | None
    wall_seconds: float
    body_bytes: int


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StepAttempt(Record):
    """One step's outcome in one request: ok, error (retried), failed, or planned."""

    kind: ClassVar[str] = "step_attempt"
    run_id: str
    request_id: str
    step: str
    step_hash: str
    attempt: int
    outcome: str
    start: float
    start_seq: int
    wall_seconds: float
    error: dict[str, Any] | None = None


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StepSaved(Record):
    kind: ClassVar[str] = "step_saved"
    run_id: str
    step: str
    step_hash: str
    op: str
    memo: str
    bytes: int
    state_bytes: int
    step_count: int


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RetryScheduled(Record):
    kind: ClassVar[str] = "retry_scheduled"
    run_id: str
    step_id: str
    step: str | None
    next_attempt: int
    delay: float
    reason: str


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Waiting(Record):
    """A step that waits on time or an event: sleep, wait_for_event, invoke."""

    kind: ClassVar[str] = "waiting"
    run_id: str
    step: str
    step_hash: str
    op: str
    until: float | None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BodyExecuted(Record):
    """A step body started running (seen by the in-process probe)."""

    kind: ClassVar[str] = "body_executed"
    run_id: str
    step: str
    attempt: int
    request_id: str | None


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventReceived(Record):
    kind: ClassVar[str] = "event_received"
    event: dict[str, Any]
    source: str


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Published(Record):
    kind: ClassVar[str] = "published"
    channel: str
    topic: str
    data: Any


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FaultApplied(Record):
    kind: ClassVar[str] = "fault_applied"
    rule: str
    effect: str
    run_id: str | None
    step: str | None
    attempt: int | None


class Trace:
    """Append-only sequence of records, with JSON round trip."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: list[Record] = list(records)
        self._listeners: list[Callable[[Record], None]] = []

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"<Trace {len(self._records)} records>"

    @property
    def next_seq(self) -> int:
        return len(self._records)

    def append(self, record: Record) -> None:
        self._records.append(record)
        for listener in self._listeners:
            listener(record)

    def subscribe(self, listener: Callable[[Record], None]) -> Callable[[], None]:
        """Call ``listener(record)`` for every record appended from now on.

        Returns a function that unsubscribes. Listeners run on the thread that
        appended, so they must be quick and must not append records themselves.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def of(self, kind: type[R], run_id: str | None = None) -> list[R]:
        """Records of one kind, optionally of one run, in order."""
        return [
            r
            for r in self._records
            if isinstance(r, kind) and (run_id is None or getattr(r, "run_id", None) == run_id)
        ]

    def since(self, seq: int) -> list[Record]:
        """Records from position ``seq`` on (a record's ``seq`` is its position)."""
        return self._records[seq:]

    def for_run(self, run_id: str) -> Trace:
        return Trace(r for r in self._records if getattr(r, "run_id", None) == run_id)

    def to_json(self) -> str:
        return json.dumps({"version": 1, "records": [r.to_dict() for r in self._records]})

    @classmethod
    def from_json(cls, text: str) -> Trace:
        payload = json.loads(text)
        records: list[Record] = []
        for raw in payload["records"]:
            kind = raw.pop("kind")
            record_cls = record_class(kind)
            if record_cls is None:
                raise ValueError(f"unknown trace record kind {kind!r}")
            records.append(record_cls(**raw))
        return cls(records)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
