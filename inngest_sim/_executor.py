"""The run loop: one SDK request per work item, ops handled as the server does.

Follows sdk-protocol.md section 8 and the Go executor it summarises: memoized
replay, immediate execution, planned steps fanned out as targeted requests,
WAIT fan-in coalesced into one discovery, RACE discovery after each completion,
per-item retry budgets, and the platform limits.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx

from inngest_sim._faults import FaultContext
from inngest_sim._ids import IdSource
from inngest_sim._limits import Limits
from inngest_sim._opcodes import STEP_OUTPUT_OPS, Context, OpcodeHandlers, where
from inngest_sim._protocol import (
    Op,
    ProtocolError,
    Reply,
    build_body,
    dumps,
    parse_reply,
)
from inngest_sim._retry import Backoff, retry_after_delay
from inngest_sim._run import RunState, WorkItem
from inngest_sim._scheduler import Scheduler, Timer
from inngest_sim._trace import (
    BodyExecuted,
    FaultApplied,
    Record,
    RequestSent,
    ResponseHandled,
    RetryScheduled,
    RunEnded,
    RunQueued,
    Trace,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._clock import Clock
    from inngest_sim._faults import FaultPlan, FaultRule
    from inngest_sim._registry import FunctionSpec
    from inngest_sim._transport import Endpoint

__all__ = ["Executor", "ExecutorConfig", "Gate"]

R = TypeVar("R", bound="Record")
_WALL = {"clock": time.perf_counter}  # in a dict so freezegun's module scan leaves it real


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutorConfig:
    limits: Limits = dataclasses.field(default_factory=Limits)
    backoff: Backoff = dataclasses.field(default_factory=Backoff)
    seed: int = 0
    request_timeout: float = 300.0
    max_requests_per_run: int = 20_000
    request_latency: float | Callable[[str, str | None], float] = 0.0
    fail_fast_errors: frozenset[str] = frozenset()


class Executor(OpcodeHandlers):
    """Drives runs of the functions behind one :class:`Endpoint`."""

    def __init__(
        self, endpoint: Endpoint, clock: Clock, trace: Trace, config: ExecutorConfig
    ) -> None:
        self.endpoint = endpoint
        self.clock = clock
        self.trace = trace
        self.config = config
        self.limits = config.limits
        self.scheduler = Scheduler(clock)
        self.ids = IdSource(config.seed)
        self._record_lock = threading.Lock()
        self.runs: dict[str, RunState] = {}
        self._wall0 = _WALL["clock"]()
        self.on_run_start: list[Callable[[RunState], None]] = []
        self.on_run_end: list[Callable[[RunState], None]] = []
        self.async_ops: dict[str, Callable[[WorkItem, Op], None]] = {}
        self.gate: Gate | None = None
        self.faults: FaultPlan | None = None

    # ---------------------------------------------------------------- records
    def wall(self) -> float:
        return _WALL["clock"]() - self._wall0

    def record(self, kind: type[R], **fields: Any) -> R:
        """Append a record stamped with the next seq, virtual and wall time.

        Thread-safe: step bodies of sync functions report from worker threads.
        """
        with self._record_lock:
            record = kind(seq=self.trace.next_seq, t=self.clock.now(), wall=self.wall(), **fields)
            self.trace.append(record)
        return record

    # ------------------------------------------------------------------- runs
    def start_run(
        self,
        spec: FunctionSpec,
        events: list[dict[str, Any]],
        *,
        parent_run_id: str | None = None,
        delay: float = 0.0,
    ) -> RunState:
        run = RunState(run_id=self.ids.ulid(self.clock.now()), spec=spec, events=events)
        self.runs[run.run_id] = run
        self.record(
            RunQueued,
            run_id=run.run_id,
            function_id=spec.id,
            event=events[0],
            batch_size=len(events),
            parent_run_id=parent_run_id,
        )
        for callback in self.on_run_start:
            callback(run)
        self.schedule(WorkItem(run, "step"), delay)
        return run

    def schedule(self, item: WorkItem, delay: float = 0.0) -> None:
        self.call_for(item.run, self.clock.now() + delay, lambda: self._dispatch(item))

    def call_for(self, run: RunState, when: float, callback: Callable[[], None]) -> Timer:
        """A timer that belongs to ``run``: cancelled when the run ends."""
        timer = self.scheduler.call_at(when, callback)
        run.timers.append(timer)
        return timer

    def _dispatch(self, item: WorkItem) -> None:
        if not item.run.running:
            return
        if self.gate is None or self.gate.admit(item):
            self.start_now(item)

    def start_now(self, item: WorkItem) -> None:
        """Send ``item``'s request now (the gate calls this when a slot frees up)."""
        self.scheduler.spawn(self._execute(item))

    def _release(self, item: WorkItem) -> None:
        if self.gate is not None:
            self.gate.release(item)

    def cancel(self, run: RunState, reason: str) -> None:
        """End a run as Cancelled: queued work is dropped, late answers ignored."""
        self.end_run(run, "Cancelled", error={"name": "FunctionCancelled", "message": reason})

    def end_run(self, run: RunState, status: str, *, output: Any = None, error: Any = None) -> None:
        if not run.running:
            return
        run.status, run.output, run.error = status, output, error
        self.record(
            RunEnded,
            run_id=run.run_id,
            function_id=run.spec.id,
            status=status,
            output=output,
            error=error,
            step_count=run.step_count,
            state_bytes=run.state_bytes,
        )
        for timer in run.timers:
            timer.cancel()
        run.timers.clear()
        for callback in self.on_run_end:
            callback(run)

    def fail(self, run: RunState, error: dict[str, Any]) -> None:
        self.end_run(run, "Failed", output=error, error=error)

    # -------------------------------------------------------------- requests
    def _use_api(self, run: RunState) -> bool:
        return run.state_bytes > self.limits.use_api_threshold_bytes

    def _latency(self, item: WorkItem) -> float:
        latency = self.config.request_latency
        return latency(item.run.spec.id, item.target) if callable(latency) else latency

    async def _execute(self, item: WorkItem) -> None:
        try:
            handled_later = await self._send(item)
        except BaseException:
            self._release(item)
            raise
        if not handled_later:
            self._release(item)

    async def _send(self, item: WorkItem) -> bool:
        """One request; True when its response is handled later (virtual latency)."""
        run = item.run
        if item.is_discovery and item.attempt == 0:
            run.discovery_queued = False
        if not run.running:
            return False
        if run.step_count >= self.limits.max_steps:
            self.fail(run, self.limits.step_limit_error())
            return False
        run.requests += 1
        if run.requests > self.config.max_requests_per_run:
            self.fail(run, _too_many_requests(run, self.config.max_requests_per_run))
            return False
        use_api = self._use_api(run)
        body = build_body(
            event=run.event,
            events=run.events,
            steps=run.memos,
            stack=run.stack,
            run_id=run.run_id,
            attempt=item.attempt,
            max_attempts=run.spec.max_attempts,
            disable_immediate_execution=run.disable_immediate_execution,
            use_api=use_api,
        )
        request_id = f"{run.run_id}-{run.requests}"
        start = self.record(
            RequestSent,
            run_id=run.run_id,
            request_id=request_id,
            step_id=item.step_id,
            target=item.target,
            attempt=item.attempt,
            disable_immediate_execution=run.disable_immediate_execution,
            use_api=use_api,
        )
        reply, size = await self._call(item, request_id, body)
        wall = self.wall() - start.wall
        latency = self._latency(item)

        if latency <= 0:
            self._handle(item, request_id, start, wall, reply, size)
            return False

        def handle() -> None:
            try:
                self._handle(item, request_id, start, wall, reply, size)
            finally:
                self._release(item)

        self.scheduler.call_at(start.t + latency, handle)
        return True

    async def _call(
        self, item: WorkItem, request_id: str, body: dict[str, Any]
    ) -> tuple[Reply, int]:
        place = where(item, request_id)
        injected = self._inject(item, "request", item.target)
        if injected is not None:
            rule, effect = injected
            if rule.effect.startswith("status_"):
                text = f"invalid status code: {rule.status_code} (injected by {rule.name})"
                return _failed(f"{place}: {text}", rule.status_code), 0
            text = f"request failed: {type(effect).__name__} (injected by {rule.name})"
            return _failed(f"{place}: {text}"), 0
        try:
            response = await asyncio.wait_for(
                self.endpoint.execute(
                    fn_id=item.run.spec.id,
                    step_id=item.step_id,
                    run_id=item.run.run_id,
                    request_id=request_id,
                    body=body,
                ),
                timeout=self.config.request_timeout,
            )
        except TimeoutError:
            return _failed(f"{place}: no response within {self.config.request_timeout}s"), 0
        except httpx.HTTPError as exc:
            return _failed(f"{place}: request failed: {type(exc).__name__}: {exc}"), 0
        body_bytes = response.content
        if len(body_bytes) > self.limits.max_response_bytes:
            error = self.limits.response_size_error(len(body_bytes))
            return Reply("error", response.status_code, error=error), len(body_bytes)
        try:
            reply = parse_reply(response.status_code, response.headers, body_bytes)
        except ProtocolError as exc:
            message = f"{place}: unreadable SDK response (HTTP {response.status_code}): {exc}"
            error = {"name": "ProtocolError", "message": message}
            return Reply("error", response.status_code, error=error), len(body_bytes)
        return self._maybe_lose(item, place, reply), len(body_bytes)

    def _inject(self, item: WorkItem, layer: str, step: str | None) -> tuple[Any, Any] | None:
        if self.faults is None:
            return None
        ctx = FaultContext(
            layer=layer,  # type: ignore[arg-type]
            function_id=item.run.spec.id,
            step=step,
            attempt=item.attempt,
            run_id=item.run.run_id,
        )
        found = self.faults.match(ctx)
        if found is not None:
            self.record_fault(found[0], item.run.run_id, step, item.attempt)
        return found

    def record_fault(
        self, rule: FaultRule, run_id: str | None, step: str | None, attempt: int | None
    ) -> None:
        """Every injected fault is in the trace, with the rule that caused it."""
        self.record(
            FaultApplied,
            rule=rule.name,
            effect=rule.effect,
            run_id=run_id,
            step=step,
            attempt=attempt,
        )

    def _maybe_lose(self, item: WorkItem, place: str, reply: Reply) -> Reply:
        """A lose_response rule drops the answer of a step that ran."""
        ran = [op.key for op in reply.ops if op.op in STEP_OUTPUT_OPS]
        for step in ran or ([item.target] if item.target else []):
            found = self._inject(item, "response", step)
            if found is not None:
                rule = found[0].name
                return _failed(f"{place}: the response was lost after step {step!r} ran ({rule})")
        return reply

    # ------------------------------------------------------------- responses
    def _handle(
        self,
        item: WorkItem,
        request_id: str,
        start: RequestSent,
        wall: float,
        reply: Reply,
        size: int,
    ) -> None:
        run = item.run
        if not run.running:
            return  # a cancelled or finished run ignores late answers
        self.record(
            ResponseHandled,
            run_id=run.run_id,
            request_id=request_id,
            status=reply.status,
            ops=[f"{op.op}:{op.key}" for op in reply.ops],
            error=reply.error,
            wall_seconds=wall,
            body_bytes=size,
        )
        context = Context(item, request_id, start, wall, reply)
        if reply.kind == "done":
            self.end_run(run, "Completed", output=reply.output)
        elif reply.kind == "error":
            step = item.target or self._body_during(run, start.seq)
            if step is not None:
                outcome = "failed" if self._final(item, reply.no_retry, reply.error) else "error"
                self._attempt(context, item.step_id, step, outcome, reply.error)
            self.retry_or_fail(item, reply.error or {}, reply.no_retry, reply.retry_after)
        else:
            self._handle_ops(context)

    def _body_during(self, run: RunState, since_seq: int) -> str | None:
        """The step whose body ran in a discovery request that then failed as a whole.

        ``NonRetriableError`` and ``RetryAfterError`` raised in a step body come back
        as function-level errors that name no step; the probe saw which body ran.
        """
        bodies = [
            r
            for r in self.trace.since(since_seq)
            if isinstance(r, BodyExecuted) and r.run_id == run.run_id
        ]
        return bodies[-1].step if bodies else None

    def backoff_delay(self, run: RunState, step_id: str, attempt: int) -> float:
        """Seconds before the next attempt after failed attempt ``attempt`` of a step.

        The jitter is drawn from the seed and what is retried (function, trigger
        event, step, attempt), not from a shared sequence: concurrent runs retry
        in an order that varies, and a seed must still give the same schedule.
        """
        key = f"{self.config.seed}|{run.spec.id}|{dumps(run.event.get('data'))}|{step_id}|{attempt}"
        return self.config.backoff.delay(attempt, random.Random(key))

    def _final(self, item: WorkItem, no_retry: bool, error: Any = None) -> bool:
        """Whether a failure of ``item`` ends its retries."""
        if isinstance(error, dict) and error.get("name") in self.config.fail_fast_errors:
            return True
        return no_retry or item.attempt + 1 >= item.run.spec.max_attempts

    def retry_or_fail(
        self, item: WorkItem, error: dict[str, Any], no_retry: bool, retry_after: str | None
    ) -> None:
        run = item.run
        if self._final(item, no_retry, error):
            self.fail(run, error)
            return
        delay = retry_after_delay(retry_after, self.clock.now()) if retry_after else None
        reason = "retry-after" if delay is not None else "backoff"
        if delay is None:
            delay = self.backoff_delay(run, item.step_id, item.attempt)
        self.record(
            RetryScheduled,
            run_id=run.run_id,
            step_id=item.step_id,
            step=item.target,
            next_attempt=item.attempt + 1,
            delay=delay,
            reason=reason,
        )
        self.schedule(item.retry(), delay)


class Gate(Protocol):
    """Flow control around every SDK request (concurrency limits)."""

    def admit(self, item: WorkItem) -> bool:
        """True to send now; False to hold ``item`` and call ``start_now`` later."""
        ...

    def release(self, item: WorkItem) -> None:
        """``item``'s request has finished (its slot is free)."""
        ...


def _failed(message: str, status: int = 0) -> Reply:
    """A request that got no usable answer: a retryable failed attempt, as on the server."""
    return Reply("error", status, error={"name": "Error", "message": message})


def _too_many_requests(run: RunState, limit: int) -> dict[str, Any]:
    return {
        "name": "SimulatorRequestLimit",
        "message": (
            f"run {run.run_id} of {run.spec.id!r} made more than {limit} SDK requests; "
            "the function may loop without making progress "
            "(raise Simulator(max_requests_per_run=...) if this is expected)"
        ),
    }
