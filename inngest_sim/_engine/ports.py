"""The engine's seams: what the rooms around the run loop use of it, and give it.

* ``RunOps`` is the narrow port that opcode handlers, flow control, pauses and the
  AI gateway call: save a step, resume a waiting one, fail or cancel a run, retry, start
  a (child) run, schedule a timer that belongs to a run, record.
* ``ServeEndpoint`` is where the loop sends each ``ExecutionCall``: the SDK's handler
  in-process, an app, or a URL; the SDK room and the fault layer implement it.
* The rooms give the loop an opcode table (``OpHandler`` by opcode), a ``Gate``
  that decides when requests go out, and ``RunListener``s told of each run's start
  and end. They *return* these; nothing writes into the loop after it is built.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from inngest_sim._clock import Clock
    from inngest_sim._engine.run import RunState, WorkItem
    from inngest_sim._engine.scheduler import Scheduler, Timer
    from inngest_sim._ids import IdSource
    from inngest_sim._limits import Limits
    from inngest_sim._protocol import ExecutionCall, Op, Reply
    from inngest_sim._retry import Backoff
    from inngest_sim._server.registry import FunctionSpec
    from inngest_sim.trace import RequestSent
    from inngest_sim.trace._recorder import Recorder

__all__ = [
    "Admission",
    "Answer",
    "EndpointAnswer",
    "EngineConfig",
    "Gate",
    "OpHandler",
    "OpTable",
    "OpenGate",
    "RunListener",
    "RunOps",
    "ServeEndpoint",
]


class EndpointAnswer(Protocol):
    """An answer the executor reads whole: an ``httpx.Response``, or the direct endpoint's."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...


class ServeEndpoint(Protocol):
    """Where execution requests go: an in-process handler, an app, or a URL."""

    @property
    def url(self) -> str: ...

    async def execute(self, call: ExecutionCall) -> EndpointAnswer:
        """POST one execution request; the answer is read whole, up to ``call.max_bytes``
        (``ResponseTooLarge`` past it)."""
        ...

    async def sync(self) -> EndpointAnswer:
        """Ask the SDK to register its functions (it POSTs them to ``/fn/register``)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class EngineConfig:
    """Settings of the run loop, fixed for a simulator's life."""

    limits: Limits
    backoff: Backoff
    seed: int = 0
    request_timeout: float = 30.0
    max_requests_per_run: int = 20_000
    request_latency: float | Callable[[str, str | None], float] = 0.0
    fail_fast_errors: frozenset[str] = frozenset()
    # Send ctx.fn_id and ctx.qi_id, as the Go server does: a TypeScript v4 SDK then
    # checkpoints steps through the API and ends runs with RunComplete. Off: the classic
    # one-step-per-request protocol.
    checkpointing: bool = True
    # At most this many execution requests at once (None: no bound). A request waits for
    # a slot before its timeout starts, so a burst queues here instead of timing out in
    # an HTTP client's connection pool.
    max_in_flight: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """One request and what came back: the context every opcode handler gets."""

    item: WorkItem
    request_id: str
    start: RequestSent
    wall: float
    reply: Reply
    # Each step output's size, measured once when the response is handled.
    sizes: dict[str, int] = dataclasses.field(default_factory=dict)

    def describe(self) -> str:
        return describe_request(self.item, self.request_id)


def describe_request(item: WorkItem, request_id: str) -> str:
    """Where a request sits, for error messages: run, function, request, step, attempt."""
    target = f"step {item.target!r}" if item.target else "discovery"
    return (
        f"run {item.run.run_id} of {item.run.spec.id!r}, request {request_id} "
        f"({target}, attempt {item.attempt})"
    )


class RunOps(Protocol):
    """What handlers and rooms may do to runs (the run loop implements it)."""

    @property
    def clock(self) -> Clock: ...
    @property
    def scheduler(self) -> Scheduler: ...
    @property
    def recorder(self) -> Recorder: ...
    @property
    def ids(self) -> IdSource: ...
    @property
    def config(self) -> EngineConfig: ...

    def run(self, run_id: str) -> RunState | None:
        """The live state of a run, or None once it is unknown."""
        ...

    def start_run(
        self,
        spec: FunctionSpec,
        events: list[dict[str, Any]],
        *,
        parent_run_id: str | None = None,
        delay: float = 0.0,
    ) -> RunState: ...

    def schedule(self, item: WorkItem, delay: float = 0.0) -> None:
        """Queue ``item``'s request ``delay`` seconds from now (flow control applies)."""
        ...

    def call_for(self, run: RunState, when: float, callback: Callable[[], None]) -> Timer:
        """A timer that belongs to ``run``: cancelled when the run ends."""
        ...

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...

    def attempt(
        self, answer: Answer, step_hash: str, key: str, outcome: str, error: Any = None
    ) -> None:
        """Record one step's outcome in ``answer``'s request."""
        ...

    def save(self, run: RunState, op: Op, memo: Any, size: int | None = None) -> None: ...

    def complete_step(self, run: RunState, op: Op) -> None:
        """A step's result is saved: fan in, or rediscover."""
        ...

    def resume(self, run_id: str, op: Op, memo: Any) -> None:
        """Save the result of a step that waited (sleep, event, child run, model call)."""
        ...

    def waiting(
        self, run: RunState, op: Op, until: float | None, detail: dict[str, Any] | None = None
    ) -> None: ...

    def retries_exhausted(self, item: WorkItem, no_retry: bool, error: Any = None) -> bool: ...

    def retry_or_fail(
        self,
        item: WorkItem,
        error: dict[str, Any],
        no_retry: bool,
        retry_after: str | None,
        step: str | None = None,
    ) -> None: ...

    def backoff_delay(self, run: RunState, step_id: str, attempt: int) -> float: ...

    def fail(self, run: RunState, error: dict[str, Any]) -> None: ...

    def cancel(self, run: RunState, reason: str) -> None: ...

    def complete(self, run: RunState, output: Any) -> None:
        """End ``run`` as Completed with ``output``."""
        ...

    def in_flight(self, run_id: str, request_id: str | None) -> tuple[WorkItem, RequestSent] | None:
        """The request of ``run_id`` still waiting for its answer (``request_id``, or the
        run's only one), with its ``RequestSent`` record; None when there is none."""
        ...


#: Handles one op of a 206 response.
OpHandler = Callable[[RunOps, Answer, "Op"], None]
OpTable = Mapping[str, OpHandler]


@dataclasses.dataclass(frozen=True, slots=True)
class Admission:
    """What a gate decided: requests to send now, and when to ask it again."""

    go: tuple[WorkItem, ...] = ()
    wake_at: float | None = None


class Gate(Protocol):
    """Decides when requests go out (concurrency limits, throttling, priority)."""

    def admit(self, ops: RunOps, item: WorkItem) -> Admission:
        """``item`` is due; which requests (``item`` among them, or not) go now."""
        ...

    def release(self, ops: RunOps, item: WorkItem) -> Admission:
        """``item``'s request is over (its slot is free)."""
        ...

    def wake(self, ops: RunOps) -> Admission:
        """A time the gate asked for (``wake_at``) has come."""
        ...

    def score(self, ops: RunOps, item: WorkItem) -> float:
        """``item``'s place in the queue, lowest first: its run's creation instant minus
        the run's priority factor (``QueueItem.Score``)."""
        ...


class OpenGate:
    """Every request goes at once (no flow control)."""

    def admit(self, ops: RunOps, item: WorkItem) -> Admission:
        return Admission(go=(item,))

    def release(self, ops: RunOps, item: WorkItem) -> Admission:
        return Admission()

    def wake(self, ops: RunOps) -> Admission:
        return Admission()

    def score(self, ops: RunOps, item: WorkItem) -> float:
        return item.run.created_at


class RunListener(Protocol):
    """Told of every run's start and end (flow control, pauses, lifecycle events)."""

    def run_started(self, ops: RunOps, run: RunState) -> None: ...

    def run_ended(self, ops: RunOps, run: RunState) -> None: ...
