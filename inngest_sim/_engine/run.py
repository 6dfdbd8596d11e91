"""One run's state (memos, stack, pending parallel steps, counters, status) and its work items."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

from inngest_sim._protocol import DISCOVERY_STEP, json_size

if TYPE_CHECKING:
    from inngest_sim._engine.scheduler import Timer
    from inngest_sim._server.registry import FunctionSpec

__all__ = ["RUNNING", "DeferEntry", "RunState", "RunStatus", "WorkItem"]

RunStatus = Literal["Running", "Completed", "Failed", "Cancelled"]
RUNNING: RunStatus = "Running"


@dataclasses.dataclass
class DeferEntry:
    """One deferred run (TypeScript ``defer()``) a run registered: ``after_run`` (kept),
    ``aborted`` or ``rejected``."""

    hashed_id: str
    step: str
    fn_slug: str
    input: Any
    meta: Any
    status: str


@dataclasses.dataclass(eq=False)
class RunState:
    """What the executor keeps of one run while it runs; the trace keeps the history."""

    run_id: str
    spec: FunctionSpec
    events: list[dict[str, Any]]
    memos: dict[str, Any] = dataclasses.field(default_factory=dict)
    stack: list[str] = dataclasses.field(default_factory=list)
    keys: dict[str, str] = dataclasses.field(default_factory=dict)
    disable_immediate_execution: bool = False
    pending: set[str] = dataclasses.field(default_factory=set)
    seen_ops: set[str] = dataclasses.field(default_factory=set)
    discovery_queued: bool = False
    status: RunStatus = RUNNING
    output: Any = None
    error: dict[str, Any] | None = None
    state_bytes: int = 0
    # Metadata kept for the run (its updates' sizes), against the 1 MiB per-run limit.
    metadata_bytes: int = 0
    # Deferred runs registered by defer() (TypeScript), by hashed id: see defers.py.
    defers: dict[str, DeferEntry] = dataclasses.field(default_factory=dict)
    requests: int = 0
    # Whether flow control has let a request of this run through (its start).
    started: bool = False
    # Step bodies that started, in order, as the in-process probe reports them: an
    # error answer that names no step is charged to the body that ran for it.
    bodies: list[str] = dataclasses.field(default_factory=list)
    # The run's pending timers (retries, sleeps, wait and cancel expiries): cancelled
    # when it ends, so they neither fire nor keep virtual time moving.
    timers: set[Timer] = dataclasses.field(default_factory=set)
    # The instant the run was created (its work's place in the queue).
    created_at: float = 0.0

    def __post_init__(self) -> None:
        self.state_bytes = sum(json_size(e) for e in self.events)

    @property
    def event(self) -> dict[str, Any]:
        return self.events[0]

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    @property
    def step_count(self) -> int:
        """Saved steps: every save pushes one hash onto the stack."""
        return len(self.stack)

    def key_of(self, step_hash: str) -> str:
        return self.keys.get(step_hash, step_hash)

    def save(self, step_hash: str, key: str, memo: Any, size: int | None = None) -> int:
        """Store a step's memo as the server does; returns its size in bytes."""
        size = json_size(memo) if size is None else size
        self.memos[step_hash] = memo
        self.keys[step_hash] = key
        self.stack.append(step_hash)
        self.state_bytes += size
        return size


@dataclasses.dataclass(eq=False)
class WorkItem:
    """One queued SDK request: a discovery (``step_id == DISCOVERY_STEP``) or a targeted step."""

    run: RunState
    step_id: str
    attempt: int = 0
    target: str | None = None
    # Where the run's body log stood when this item's request was sent.
    bodies_before: int = 0

    @property
    def is_discovery(self) -> bool:
        return self.step_id == DISCOVERY_STEP

    def retry(self) -> WorkItem:
        return dataclasses.replace(self, attempt=self.attempt + 1)

    def body_ran(self) -> str | None:
        """The last step body that started while this item's request was out."""
        ran = self.run.bodies[self.bodies_before :]
        return ran[-1] if ran else None
