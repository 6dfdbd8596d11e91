"""The run loop: one SDK request per work item, dispatch → send → handle.

Follows sdk-protocol.md section 8 and the Go executor it summarises: memoized replay,
immediate execution, planned steps fanned out as targeted requests, WAIT fan-in
coalesced into one discovery, RACE discovery after each completion, per-item retry
budgets, and the platform limits. What each opcode does is in ``.opcodes``; when
requests may go out is the ``.ports.Gate``'s decision; faults live in the
endpoint's transport, so an injected failure reaches this loop as a real one would.
"""

from __future__ import annotations

import asyncio
import math
import random
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._engine.checkpoint import checkpoint_ids
from inngest_sim._engine.defers import defers_map
from inngest_sim._engine.metadata import add_from_op
from inngest_sim._engine.opcodes import OPCODES, handle_ops
from inngest_sim._engine.ports import Admission, Answer, OpenGate, describe_request
from inngest_sim._engine.run import RunState, WorkItem
from inngest_sim._engine.slots import OrderedSlots
from inngest_sim._errors import InvalidArgument
from inngest_sim._protocol import (
    DISCOVERY_STEP,
    ExecutionCall,
    ProtocolError,
    Reply,
    ResponseTooLarge,
    build_body,
    dumps,
    memo_kind,
    parse_reply,
)
from inngest_sim._retry import retry_after_delay
from inngest_sim._server.door import out_of_range
from inngest_sim.trace import (
    RequestSent,
    ResponseHandled,
    RetryScheduled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Waiting,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable, Mapping

    from inngest_sim._engine.ports import (
        EngineConfig,
        Gate,
        OpHandler,
        RunListener,
        ServeEndpoint,
    )
    from inngest_sim._engine.scheduler import Scheduler, Timer
    from inngest_sim._ids import IdSource
    from inngest_sim._protocol import Op
    from inngest_sim._server.registry import FunctionSpec
    from inngest_sim.trace._recorder import Recorder

__all__ = ["RunLoop"]


class RunLoop:
    """Drives the runs of the functions behind one endpoint; implements ``RunOps``."""

    def __init__(
        self,
        endpoint: ServeEndpoint,
        scheduler: Scheduler,
        recorder: Recorder,
        ids: IdSource,
        config: EngineConfig,
        *,
        gate: Gate | None = None,
        opcodes: Mapping[str, OpHandler] = OPCODES,
        listeners: Iterable[RunListener] = (),
    ) -> None:
        self.endpoint = endpoint
        self.scheduler = scheduler
        self.clock = scheduler.clock
        self.recorder = recorder
        self.ids = ids
        self.config = config
        self.gate: Gate = gate or OpenGate()
        self.opcodes = dict(opcodes)
        self.listeners = tuple(listeners)
        self.runs: dict[str, RunState] = {}
        self._wakes: set[float] = set()
        self._abandoned: set[asyncio.Future[Any]] = set()
        bound = config.max_in_flight
        self._slots = OrderedSlots(bound) if bound is not None else None
        # Requests waiting for their answer, by request id: a checkpoint names its request.
        self._in_flight: dict[str, tuple[WorkItem, RequestSent]] = {}

    # ------------------------------------------------------------------ runs
    def run(self, run_id: str) -> RunState | None:
        return self.runs.get(run_id)

    def start_run(
        self,
        spec: FunctionSpec,
        events: list[dict[str, Any]],
        *,
        parent_run_id: str | None = None,
        delay: float = 0.0,
    ) -> RunState:
        now = self.clock.now()
        run = RunState(run_id=self.ids.ulid(now), spec=spec, events=events, created_at=now)
        self.runs[run.run_id] = run
        self.recorder.record(
            RunQueued,
            run_id=run.run_id,
            function_id=spec.id,
            event=events[0],
            batch_size=len(events),
            parent_run_id=parent_run_id,
            event_ids=[str(e.get("id")) for e in events if e.get("id")],
            config=dict(spec.config),
            events=events if len(events) > 1 else [],
        )
        for listener in self.listeners:
            listener.run_started(self, run)
        self.schedule(WorkItem(run, DISCOVERY_STEP), delay)
        return run

    def end_run(self, run: RunState, status: Any, *, output: Any = None, error: Any = None) -> None:
        if not run.running:
            return
        run.status, run.output, run.error = status, output, error
        self.recorder.record(
            RunEnded,
            run_id=run.run_id,
            function_id=run.spec.id,
            status=status,
            output=output,
            error=error,
            step_count=run.step_count,
            state_bytes=run.state_bytes,
        )
        for timer in list(run.timers):
            timer.cancel()
        for listener in self.listeners:
            listener.run_ended(self, run)

    def fail(self, run: RunState, error: dict[str, Any]) -> None:
        self.end_run(run, "Failed", output=error, error=error)

    def complete(self, run: RunState, output: Any) -> None:
        self.end_run(run, "Completed", output=output)

    def in_flight(self, run_id: str, request_id: str | None) -> tuple[WorkItem, RequestSent] | None:
        found = self._in_flight.get(request_id) if request_id else None
        if found is not None and found[0].run.run_id == run_id:
            return found
        mine = [entry for entry in self._in_flight.values() if entry[0].run.run_id == run_id]
        return mine[0] if len(mine) == 1 else None

    def cancel(self, run: RunState, reason: str) -> None:
        """End a run as Cancelled: queued work is dropped, late answers ignored."""
        self.end_run(run, "Cancelled", error={"name": "FunctionCancelled", "message": reason})

    # ---------------------------------------------------------------- timers
    def schedule(self, item: WorkItem, delay: float = 0.0) -> None:
        self.call_for(item.run, self.clock.now() + delay, lambda: self._dispatch(item))

    def call_for(self, run: RunState, when: float, callback: Callable[[], None]) -> Timer:
        return self.scheduler.call_at(when, callback, owner=run.timers)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        self.scheduler.spawn(coro)

    # -------------------------------------------------------------- dispatch
    def _dispatch(self, item: WorkItem) -> None:
        if item.run.running:
            self._apply(self.gate.admit(self, item))

    def _apply(self, admission: Admission) -> None:
        """Send what the gate let through; ask it again when it said to."""
        for item in admission.go:
            item.run.started = True
            if self._slots is None:
                self.scheduler.spawn(self._execute(item))
            else:  # waits for one of --max-in-flight slots, older runs first
                self._slots.enter(self.gate.score(self, item), self._starter(item))
        when = admission.wake_at
        if when is not None and when not in self._wakes:
            self._wakes.add(when)
            self.scheduler.call_at(when, lambda: self._wake(when))

    def _wake(self, when: float) -> None:
        self._wakes.discard(when)
        self._apply(self.gate.wake(self))

    def _release(self, item: WorkItem) -> None:
        self._apply(self.gate.release(self, item))

    def _starter(self, item: WorkItem) -> Callable[[], None]:
        return lambda: self.scheduler.spawn(self._execute(item, slotted=True))

    async def _execute(self, item: WorkItem, *, slotted: bool = False) -> None:
        try:
            handled_later = await self._send(item)
        except BaseException:
            self._release(item)
            self._leave_slot(slotted)
            raise
        if not handled_later:
            self._release(item)
        self._leave_slot(slotted)

    def _leave_slot(self, slotted: bool) -> None:
        """Free the request's slot once the follow-up work its answer queued at this
        instant has entered (a timer at the same instant fires after theirs): the server
        enqueues a run's next item before the finished one leaves, so an older run's next
        step can claim the slot before newer runs' first requests."""
        if slotted and self._slots is not None:
            self.scheduler.call_soon(self._slots.leave)

    # ------------------------------------------------------------------ send
    async def _send(self, item: WorkItem) -> bool:
        """One request; True when its response is handled later (virtual latency)."""
        run, limits = item.run, self.config.limits
        if item.is_discovery and item.attempt == 0:
            run.discovery_queued = False
        if not run.running:
            return False
        if run.step_count >= limits.max_steps:
            self.fail(run, limits.step_limit_error())
            return False
        run.requests += 1
        if run.requests > self.config.max_requests_per_run:
            self.fail(run, _too_many_requests(run, self.config.max_requests_per_run))
            return False
        use_api = run.state_bytes > limits.use_api_threshold_bytes
        request_id = f"{run.run_id}-{run.requests}"
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
            defers=defers_map(run),
            **(checkpoint_ids(run.spec.id, request_id) if self.config.checkpointing else {}),
        )
        item.bodies_before = len(run.bodies)
        start = self.recorder.record(
            RequestSent,
            run_id=run.run_id,
            request_id=request_id,
            step_id=item.step_id,
            target=item.target,
            attempt=item.attempt,
            disable_immediate_execution=run.disable_immediate_execution,
            use_api=use_api,
        )
        self._in_flight[request_id] = (item, start)
        try:
            reply, size = await self._post(item, request_id, body)
        finally:
            del self._in_flight[request_id]
        wall = self.recorder.wall() - start.wall
        latency = self._latency(item)
        if latency <= 0:
            self._handle(Answer(item, request_id, start, wall, reply), size)
            return False

        def handle() -> None:
            try:
                self._handle(Answer(item, request_id, start, wall, reply), size)
            finally:
                self._release(item)

        self.scheduler.call_at(start.t + latency, handle)
        return True

    def _latency(self, item: WorkItem) -> float:
        latency = self.config.request_latency
        if not callable(latency):
            return latency
        value = latency(item.run.spec.id, item.target)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0:
            raise InvalidArgument(
                f"request_latency({item.run.spec.id!r}, {item.target!r}) returned {value!r}; "
                "a latency callable must return finite seconds >= 0"
            )
        return float(value)

    async def _post(
        self, item: WorkItem, request_id: str, body: dict[str, Any]
    ) -> tuple[Reply, int]:
        place = describe_request(item, request_id)
        timeout = self.config.request_timeout
        max_bytes = self.config.limits.max_response_bytes
        request = asyncio.ensure_future(
            self.endpoint.execute(
                ExecutionCall(
                    item.run.spec.id, item.step_id, item.run.run_id, request_id, body, max_bytes
                )
            )
        )
        # Not asyncio.wait_for: it waits for the cancelled request to finish, and an app
        # that swallows the cancellation would hang the simulator past its timeout.
        try:
            finished = await _settled_within(request, timeout)
        except asyncio.CancelledError:
            self._abandon(request)  # the simulator is closing: do not leave it running
            raise
        if not finished:
            self._abandon(request)
            return _failed(
                f"{place}: no response within {timeout:g}s (raise "
                "Simulator(request_timeout=...) if a step really takes longer)"
            ), 0
        try:
            response = request.result()
        except ResponseTooLarge as exc:
            return Reply(
                "error", 0, error=self.config.limits.response_size_error(exc.read)
            ), exc.read
        except httpx.HTTPError as exc:
            return _failed(f"{place}: request failed: {type(exc).__name__}: {exc}"), 0
        except Exception as exc:  # a transport of the user's (from_app) that raised
            return _failed(f"{place}: the serve endpoint raised {type(exc).__name__}: {exc}"), 0
        except (KeyboardInterrupt, SystemExit):
            raise  # the person or the process stopping: never a step's failure
        except BaseException as exc:
            # A step raised CancelledError, GeneratorExit or its own BaseException: under a
            # server the app answers 500 and the attempt fails; so it does here. A
            # cancellation of the simulator itself reaches the wait above, not this.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            said = str(exc) or "(no message)"
            return _failed(
                f"{place}: the request ended with {type(exc).__name__}: {said} "
                "(a BaseException from the app; a server would answer 500)",
                500,
            ), 0
        content = response.content
        try:
            return parse_reply(response.status_code, response.headers, content), len(content)
        except ProtocolError as exc:
            message = f"{place}: unreadable SDK response (HTTP {response.status_code}): {exc}"
            error = {"name": "ProtocolError", "message": message}
            return Reply("error", response.status_code, error=error), len(content)

    def _abandon(self, request: asyncio.Future[Any]) -> None:
        """Stop waiting for a request; it may finish (or not) in the background."""
        request.cancel()
        self._abandoned.add(request)
        request.add_done_callback(self._abandoned.discard)

    async def aclose(self, grace: float = 1.0) -> None:
        """Cancel requests nobody waits for any more, giving them ``grace`` seconds to end."""
        for request in self._abandoned:
            request.cancel()
        if self._abandoned:
            await asyncio.wait(set(self._abandoned), timeout=grace)

    # ---------------------------------------------------------------- handle
    def _handle(self, answer: Answer, size: int) -> None:
        item, reply = answer.item, answer.reply
        run = item.run
        if not run.running:
            return  # a cancelled or finished run ignores late answers
        self.recorder.record(
            ResponseHandled,
            run_id=run.run_id,
            request_id=answer.request_id,
            status=reply.status,
            ops=[f"{op.op}:{op.key}" for op in reply.ops],
            error=reply.error,
            wall_seconds=answer.wall,
            body_bytes=size,
            race=[op.key for op in reply.ops if op.is_race],
        )
        if reply.kind == "done":
            self.end_run(run, "Completed", output=reply.output)
        elif reply.kind == "error":
            # A NonRetriableError or RetryAfterError raised in a step body outside a
            # parallel group comes back as a function-level error that names no step;
            # the probe saw which body ran for this request.
            step = item.target or item.body_ran()
            if step is not None:
                final = self.retries_exhausted(item, reply.no_retry, reply.error)
                self.attempt(
                    answer, item.step_id, step, "failed" if final else "error", reply.error
                )
            self.retry_or_fail(item, reply.error or {}, reply.no_retry, reply.retry_after, step)
        else:
            handle_ops(self, answer, self.opcodes)

    # ----------------------------------------------------------------- steps
    def attempt(
        self, answer: Answer, step_hash: str, key: str, outcome: str, error: Any = None
    ) -> None:
        self.recorder.record(
            StepAttempt,
            run_id=answer.item.run.run_id,
            request_id=answer.request_id,
            step=key,
            step_hash=step_hash,
            attempt=answer.item.attempt,
            outcome=outcome,
            start=answer.start.t,
            start_seq=answer.start.seq,
            wall_seconds=answer.wall,
            error=error,
        )

    def save(self, run: RunState, op: Op, memo: Any, size: int | None = None) -> None:
        if op.metadata:
            add_from_op(self.recorder, run, op.key, op.metadata)
        size = run.save(op.id, op.key, memo, size)
        kind = memo_kind(memo)
        self.recorder.record(
            StepSaved,
            run_id=run.run_id,
            step=op.key,
            step_hash=op.id,
            op=op.op,
            memo=kind,
            bytes=size,
            state_bytes=run.state_bytes,
            step_count=run.step_count,
            value=memo[kind] if kind in ("data", "error") else memo,
        )
        beyond = out_of_range(memo)
        if beyond is not None and run.running:
            # driver.go MarshalV1 canonicalises every request (JCS), reading its numbers as
            # float64: the next request cannot be made. Seen on the Go server, with retries
            # too: the run failed at once with this error, and the SDK was not called again.
            message = (
                "error transforming request with JCS: strconv.ParseFloat: parsing "
                f'"{beyond}": value out of range'
            )
            self.fail(run, {"name": "Error", "message": message})

    def complete_step(self, run: RunState, op: Op) -> None:
        run.pending.discard(op.id)
        if op.is_race:
            # Each race completion has its own discovery job on the server (its
            # coalesce key differs), so two completions are two discoveries.
            self._enqueue_discovery(run, coalesce=False)
        elif not run.pending:
            self._enqueue_discovery(run)

    def _enqueue_discovery(self, run: RunState, *, coalesce: bool = True) -> None:
        run.disable_immediate_execution = False
        if not (coalesce and run.discovery_queued):
            run.discovery_queued = True
            self.schedule(WorkItem(run, DISCOVERY_STEP))

    def resume(self, run_id: str, op: Op, memo: Any) -> None:
        run = self.runs.get(run_id)
        if run is None or not run.running or op.id in run.memos:
            return
        if run.step_count >= self.config.limits.max_steps:
            self.fail(run, self.config.limits.step_limit_error())
            return
        self.save(run, op, memo)
        self.complete_step(run, op)

    def waiting(
        self, run: RunState, op: Op, until: float | None, detail: dict[str, Any] | None = None
    ) -> None:
        self.recorder.record(
            Waiting,
            run_id=run.run_id,
            step=op.key,
            step_hash=op.id,
            op=op.op,
            until=until,
            detail=detail or {},
        )

    # --------------------------------------------------------------- retries
    def backoff_delay(self, run: RunState, step_id: str, attempt: int) -> float:
        """Seconds before the next attempt after failed attempt ``attempt`` of a step.

        The jitter is drawn from the seed and what is retried (function, trigger
        event, step, attempt), not from a shared sequence: concurrent runs retry
        in an order that varies, and a seed must still give the same schedule.
        """
        data = dumps(run.event.get("data"))
        key = f"{self.config.seed}|{run.spec.id}|{data}|{step_id}|{attempt}"
        return self.config.backoff.delay(attempt, random.Random(key))

    def retries_exhausted(self, item: WorkItem, no_retry: bool, error: Any = None) -> bool:
        """Whether a failure of ``item`` ends its retries."""
        if isinstance(error, dict) and error.get("name") in self.config.fail_fast_errors:
            return True
        return no_retry or item.attempt + 1 >= item.run.spec.max_attempts

    def retry_or_fail(
        self,
        item: WorkItem,
        error: dict[str, Any],
        no_retry: bool,
        retry_after: str | None,
        step: str | None = None,
    ) -> None:
        """Schedule the next attempt of ``item``, or fail the run when retries are spent.

        ``step`` is the step whose failure this is, when the request named none (a lone
        step runs inside a discovery request): the record says which step is retried.
        """
        run = item.run
        if self.retries_exhausted(item, no_retry, error):
            self.fail(run, error)
            return
        delay = retry_after_delay(retry_after, self.clock.now()) if retry_after else None
        reason = "retry-after" if delay is not None else "backoff"
        if delay is None:
            delay = self.backoff_delay(run, item.step_id, item.attempt)
        self.recorder.record(
            RetryScheduled,
            run_id=run.run_id,
            step_id=item.step_id,
            step=item.target or step,
            next_attempt=item.attempt + 1,
            delay=delay,
            reason=reason,
        )
        self.schedule(item.retry(), delay)


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


async def _settled_within(request: asyncio.Future[Any], timeout: float) -> bool:
    """Whether ``request`` finished within ``timeout`` real seconds; it is left running
    either way. ``asyncio.wait`` does the same with a set, a counter and a callback per
    call: this is on every request's path, so it is one future and one timer."""
    if request.done():
        return True
    loop = asyncio.get_running_loop()
    settled: asyncio.Future[bool] = loop.create_future()

    def finish(result: bool) -> None:
        if not settled.done():
            settled.set_result(result)

    timer = loop.call_later(timeout, finish, False)
    request.add_done_callback(lambda _: finish(True))
    try:
        return await settled
    finally:
        timer.cancel()
