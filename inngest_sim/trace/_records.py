"""Every record the simulator writes: frozen dataclasses with a JSON round trip.

Each record carries ``seq`` (its position in the trace), ``t`` (virtual POSIX seconds)
and ``wall`` (real seconds since the simulator started). ``kind`` names the record in
JSON; ``record_class`` maps it back.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

__all__ = [
    "ApiCalled",
    "BodyExecuted",
    "Checkpointed",
    "Deferred",
    "EventReceived",
    "FaultApplied",
    "GenericRecord",
    "MetadataAdded",
    "Published",
    "Record",
    "RequestHeld",
    "RequestSent",
    "ResponseHandled",
    "RetryScheduled",
    "RunBatched",
    "RunDelayed",
    "RunEnded",
    "RunQueued",
    "RunSkipped",
    "SignalSent",
    "StepAttempt",
    "StepSaved",
    "Waiting",
    "record_class",
]

_KINDS: dict[str, type[Record]] = {}
R = TypeVar("R", bound="Record")


def _kind(cls: type[R]) -> type[R]:
    _KINDS[cls.kind] = cls
    return cls


def record_class(kind: str) -> type[Record] | None:
    """The record class of ``kind`` (as written in JSON), or None for an unknown kind."""
    return _KINDS.get(kind)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """Base of every record: where it is in the trace and when it happened."""

    kind: ClassVar[str] = "record"
    seq: int
    t: float
    wall: float

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, with its ``kind``."""
        return {"kind": self.kind, **dataclasses.asdict(self)}


# ------------------------------------------------------------------ runs
@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunQueued(Record):
    """A run was created; ``event_ids`` are the ids of the events it runs for.

    ``config`` is the function's registered configuration and ``events`` the whole
    batch when there is more than one event: what a run history needs to stand alone.
    """

    kind: ClassVar[str] = "run_queued"
    run_id: str
    function_id: str
    event: dict[str, Any]
    batch_size: int = 1
    parent_run_id: str | None = None
    event_ids: list[str] = dataclasses.field(default_factory=list)
    config: dict[str, Any] = dataclasses.field(default_factory=dict)
    events: list[dict[str, Any]] = dataclasses.field(default_factory=list)


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunEnded(Record):
    """A run ended: ``status`` is ``Completed``, ``Failed`` or ``Cancelled``."""

    kind: ClassVar[str] = "run_ended"
    run_id: str
    function_id: str
    status: str
    output: Any = None
    error: dict[str, Any] | None = None
    step_count: int = 0
    state_bytes: int = 0


# ------------------------------------------------------------- requests
@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RequestSent(Record):
    """An execution request to the SDK: a discovery (``target`` None) or a targeted step."""

    kind: ClassVar[str] = "request_sent"
    run_id: str
    request_id: str
    step_id: str
    target: str | None
    attempt: int
    disable_immediate_execution: bool
    use_api: bool


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ResponseHandled(Record):
    """The executor read a request's answer (``status`` 0: no answer at all).

    ``race`` lists the steps it planned in race mode (``parallelMode: "race"``).
    """

    kind: ClassVar[str] = "response_handled"
    run_id: str
    request_id: str
    status: int
    ops: list[str]
    error: dict[str, Any] | None
    wall_seconds: float
    body_bytes: int
    race: list[str] = dataclasses.field(default_factory=list)


# ----------------------------------------------------------------- steps
@_kind
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


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class StepSaved(Record):
    """A step's memo was stored (``memo``: data, error, null or raw).

    ``value`` is what was stored: the step's output (``data``), its error (``error``),
    the event a wait received (``raw``) or None; ``bytes`` is its stored size.
    """

    kind: ClassVar[str] = "step_saved"
    run_id: str
    step: str
    step_hash: str
    op: str
    memo: str
    bytes: int
    state_bytes: int
    step_count: int
    value: Any = None


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Checkpointed(Record):
    """A checkpointing SDK posted the steps it ran inside request ``request_id``.

    ``steps`` are the step ids it sent, ``status`` what the server answered (200: saved;
    4xx: refused, ``message`` says why; the SDK then reports the steps in its answer).
    """

    kind: ClassVar[str] = "checkpointed"
    run_id: str
    request_id: str | None
    steps: list[str]
    status: int
    message: str | None = None


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RetryScheduled(Record):
    """A failed attempt runs again after ``delay`` seconds (``reason``: backoff or retry-after)."""

    kind: ClassVar[str] = "retry_scheduled"
    run_id: str
    step_id: str
    step: str | None
    next_attempt: int
    delay: float
    reason: str


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Waiting(Record):
    """A step that waits: sleep, wait_for_event, invoke or a model call."""

    kind: ClassVar[str] = "waiting"
    run_id: str
    step: str
    step_hash: str
    op: str
    until: float | None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BodyExecuted(Record):
    """A step body started running (seen by the in-process probe)."""

    kind: ClassVar[str] = "body_executed"
    run_id: str
    step: str
    attempt: int
    request_id: str | None


# ------------------------------------------------------- the API side
@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EventReceived(Record):
    """An event arrived (``source``: simulator, event-api, lifecycle, invoke, cron, defer)."""

    kind: ClassVar[str] = "event_received"
    event: dict[str, Any]
    source: str


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Published(Record):
    """A realtime message the SDK published."""

    kind: ClassVar[str] = "published"
    channel: str
    topic: str
    data: Any


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Deferred(Record):
    """A run deferred another (TypeScript ``defer()``): ``status`` is ``after_run`` (it runs
    when this run ends), ``aborted`` or ``rejected`` (``reason`` says which limit)."""

    kind: ClassVar[str] = "deferred"
    run_id: str
    step: str
    step_hash: str
    function_slug: str
    status: str
    reason: str | None = None


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MetadataAdded(Record):
    """Step or run metadata arrived (``source``: op, api); ``dropped`` says why it was
    not kept (over the per-update or per-run size limit), None when it was."""

    kind: ClassVar[str] = "metadata_added"
    run_id: str
    step: str | None
    scope: str
    metadata_kind: str
    op: str
    values: Any
    bytes: int
    source: str
    dropped: str | None = None


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SignalSent(Record):
    """A signal was sent (``source``: api, simulator); ``run_id`` is the run it resumed,
    None when no run was waiting for it (the API then answers 404)."""

    kind: ClassVar[str] = "signal_sent"
    signal: str
    run_id: str | None
    source: str


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ApiCalled(Record):
    """The SDK called the Inngest API (register, events, run state, realtime, signals...)."""

    kind: ClassVar[str] = "api_called"
    method: str
    path: str
    status: int
    # False for a route the simulator does not serve (answered 404): an SDK that reads the
    # 404 as an answer ("nobody waits", "not found") would otherwise pass a test silently.
    served: bool = True


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FaultApplied(Record):
    """A fault rule applied; the context fields say where."""

    kind: ClassVar[str] = "fault_applied"
    rule: str
    effect: str
    layer: str = ""
    function_id: str | None = None
    run_id: str | None = None
    step: str | None = None
    attempt: int | None = None
    path: str | None = None


# --------------------------------------------------------- flow control
@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunSkipped(Record):
    """No run for an event; ``reason``: event_id, rate_limit, idempotency, singleton or
    debounce (an event older, by ``ts``, than the one a debounce holds)."""

    kind: ClassVar[str] = "run_skipped"
    function_id: str
    event_id: str | None
    reason: str
    key: str | None = None
    message: str = ""


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunBatched(Record):
    """A batch closed and became one run (``reason``: ``full``, ``timeout`` or ``bytes``)."""

    kind: ClassVar[str] = "run_batched"
    function_id: str
    run_id: str
    event_ids: list[str]
    key: str | None
    reason: str


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunDelayed(Record):
    """A run (or the event that will start one) waits: throttle, debounce or batch."""

    kind: ClassVar[str] = "run_delayed"
    function_id: str
    reason: str
    key: str | None = None
    run_id: str | None = None
    event_id: str | None = None
    until: float | None = None  # None when it depends on the queue (throttle)


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RequestHeld(Record):
    """A request waits for a concurrency slot."""

    kind: ClassVar[str] = "request_held"
    run_id: str
    step_id: str
    attempt: int
    keys: list[str]
    priority: int


@_kind
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReplayDiverged(Record):
    """The deploy check resumed a run history and the new code left its path here.

    ``step`` is the first old step where the code differs, ``new_step`` the step the new
    code has there; ``verdict`` is the kind (``reruns_step``, ``diverges``, ...).
    """

    kind: ClassVar[str] = "replay_diverged"
    run_id: str
    verdict: str
    step: str | None = None
    new_step: str | None = None
    detail: str = ""


# -------------------------------------------------------------- unknown
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GenericRecord(Record):
    """A record of a kind this version cannot rebuild, kept with its raw fields.

    Only the lenient loader makes these (``Trace.load(path, lenient=True)``), so a
    trace written by a newer simulator still renders.
    """

    kind: ClassVar[str] = "generic"
    run_id: str | None = None
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)
