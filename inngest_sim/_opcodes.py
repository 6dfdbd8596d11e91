"""How the executor handles each opcode of a 206 response, as the Go executor does.

A mixin of :class:`~inngest_sim._executor.Executor`: saving ``StepRun`` results,
retrying or failing ``StepError``/``StepFailed``, fanning ``StepPlanned`` out as
targeted requests, sleeping, and handing ``WaitForEvent``/``InvokeFunction`` to
the handlers registered in ``async_ops``. Fan-in (WAIT) and per-completion
rediscovery (RACE) live here too.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._protocol import (
    Op,
    ProtocolError,
    Reply,
    json_size,
    parse_duration,
    parse_iso_time,
)
from inngest_sim._run import RunState, WorkItem
from inngest_sim._trace import RequestSent, StepAttempt, StepSaved, Waiting

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._clock import Clock
    from inngest_sim._executor import ExecutorConfig
    from inngest_sim._limits import Limits
    from inngest_sim._scheduler import Scheduler
    from inngest_sim._trace import Record

__all__ = ["OpcodeHandlers", "where"]

STEP_OUTPUT_OPS = {"StepRun": "data", "StepError": "error", "StepFailed": "error"}


class OpcodeHandlers:
    """Opcode handling; the executor provides the attributes declared here."""

    limits: Limits
    clock: Clock
    scheduler: Scheduler
    async_ops: dict[str, Callable[[WorkItem, Op], None]]
    runs: dict[str, RunState]
    config: ExecutorConfig

    if TYPE_CHECKING:

        def record(self, kind: type[Record], **fields: Any) -> Any: ...
        def fail(self, run: RunState, error: dict[str, Any]) -> None: ...
        def schedule(self, item: WorkItem, delay: float = 0.0) -> None: ...
        def retry_or_fail(
            self, item: WorkItem, error: dict[str, Any], no_retry: bool, retry_after: str | None
        ) -> None: ...
        def _final(self, item: WorkItem, no_retry: bool, error: Any = None) -> bool: ...
        def call_for(self, run: RunState, when: float, callback: Callable[[], None]) -> Any: ...

    def _handle_ops(self, ctx: Context) -> None:
        run, ops = ctx.item.run, ctx.reply.ops
        for op in ops:
            run.keys.setdefault(op.id, op.key)
        if len(ops) > self.limits.max_ops_per_response:
            self.fail(run, self.limits.ops_limit_error(len(ops)))
            return
        # Each output is measured once, wrapped as it will be stored; the size
        # serves the 4 MiB check, the 32 MiB check and the state accounting.
        sizes: dict[str, int] = {}
        for op in ops:
            kind = STEP_OUTPUT_OPS.get(op.op)
            if kind is None:
                continue
            size = sizes[op.id] = json_size({kind: op.data if kind == "data" else op.error})
            if size > self.limits.max_step_output_bytes:
                error = self.limits.step_output_error(op.id, size)
                outcome = "failed" if self._final(ctx.item, False) else "error"
                self._attempt(ctx, op.id, op.key, outcome, error)
                self.retry_or_fail(ctx.item, error, False, None)
                return
        if len(ops) > 1:
            run.disable_immediate_execution = True
            run.pending.update(op.id for op in ops)
        # The server handles WaitForEvent before the other ops of a response.
        for op in sorted(ops, key=lambda o: o.op != "WaitForEvent"):
            if not run.running:
                return
            self._handle_op(ctx, op, sizes.get(op.id))

    def _handle_op(self, ctx: Context, op: Op, size: int | None) -> None:
        run = ctx.item.run
        if op.op == "StepRun":
            self._step_ran(ctx, op, size)
        elif op.op in ("StepError", "StepFailed"):
            self._step_errored(ctx, op)
        elif op.id in run.memos or op.id in run.seen_ops:
            return  # re-reported (race mode re-plans running siblings): already handled
        else:
            run.seen_ops.add(op.id)
            if op.op == "StepPlanned":
                self.schedule(WorkItem(run, op.id, target=op.key))
            elif op.op == "Sleep":
                self._sleep(ctx, op)
            else:
                handler = self.async_ops.get(op.op)
                if handler is None:
                    error = _unsupported(ctx, op)
                    self.fail(run, error)
                    return
                handler(ctx.item, op)

    def _attempt(
        self, ctx: Context, step_hash: str, key: str, outcome: str, error: Any = None
    ) -> None:
        self.record(
            StepAttempt,
            run_id=ctx.item.run.run_id,
            request_id=ctx.request_id,
            step=key,
            step_hash=step_hash,
            attempt=ctx.item.attempt,
            outcome=outcome,
            start=ctx.start.t,
            start_seq=ctx.start.seq,
            wall_seconds=ctx.wall,
            error=error,
        )

    def _step_ran(self, ctx: Context, op: Op, size: int | None) -> None:
        run = ctx.item.run
        memo = {"data": op.data}
        size = json_size(memo) if size is None else size
        if run.state_bytes + size > self.limits.max_state_bytes:
            self._attempt(ctx, op.id, op.key, "failed", self.limits.state_limit_error())
            self.fail(run, self.limits.state_limit_error())
            return
        self._attempt(ctx, op.id, op.key, "ok")
        self.save(run, op, memo, size)
        self.complete_step(run, op)

    def _step_errored(self, ctx: Context, op: Op) -> None:
        item, run = ctx.item, ctx.item.run
        error = dict(op.error or {"name": "Error", "message": "step failed without an error"})
        final = op.op == "StepFailed" or self._final(item, ctx.reply.no_retry, error)
        self._attempt(ctx, op.id, op.key, "failed" if final else "error", error)
        if error.get("name") in self.config.fail_fast_errors:
            self.fail(run, error)  # a failed test assertion: no retries, no catching
            return
        if not final:
            self.retry_or_fail(item, error, False, ctx.reply.retry_after)
            return
        memo = {"error": {k: error.get(k) for k in ("name", "message", "stack")}}
        self.save(run, op, memo)
        self.complete_step(run, op)

    def save(self, run: RunState, op: Op, memo: Any, size: int | None = None) -> None:
        size = run.save(op.id, op.key, memo, size)
        kind = "null" if memo is None else next(iter(memo)) if isinstance(memo, dict) else "raw"
        self.record(
            StepSaved,
            run_id=run.run_id,
            step=op.key,
            step_hash=op.id,
            op=op.op,
            memo=kind,
            bytes=size,
            state_bytes=run.state_bytes,
            step_count=run.step_count,
        )

    def complete_step(self, run: RunState, op: Op) -> None:
        """A step's result is saved: fan in (WAIT) or rediscover at once (RACE)."""
        run.pending.discard(op.id)
        if op.is_race:
            # Each race completion has its own discovery job on the server (its
            # coalesce key differs), so two completions are two discoveries.
            self.enqueue_discovery(run, coalesce=False)
        elif not run.pending:
            self.enqueue_discovery(run)

    def enqueue_discovery(self, run: RunState, *, coalesce: bool = True) -> None:
        run.disable_immediate_execution = False
        if not (coalesce and run.discovery_queued):
            run.discovery_queued = True
            self.schedule(WorkItem(run, "step"))

    def resume(self, run_id: str, op: Op, memo: Any) -> None:
        """Save the result of a step that waited (sleep, event, invoke) and move on."""
        run = self.runs.get(run_id)
        if run is None or not run.running or op.id in run.memos:
            return
        if run.step_count >= self.limits.max_steps:
            self.fail(run, self.limits.step_limit_error())
            return
        self.save(run, op, memo)
        self.complete_step(run, op)

    def waiting(
        self, run: RunState, op: Op, until: float | None, detail: dict[str, Any] | None = None
    ) -> None:
        """Record that a step now waits: on time (sleep), an event, a child run, a model."""
        self.record(
            Waiting,
            run_id=run.run_id,
            step=op.key,
            step_hash=op.id,
            op=op.op,
            until=until,
            detail=detail or {},
        )

    def _sleep(self, ctx: Context, op: Op) -> None:
        run = ctx.item.run
        now = self.clock.now()
        try:
            until = _sleep_target(op, now)
        except ProtocolError as exc:
            # Unreadable like a malformed response: the attempt failed, retry it.
            run.seen_ops.discard(op.id)
            message = f"{where(ctx.item, ctx.request_id)}: Sleep op {op.key!r}: {exc}"
            self.retry_or_fail(ctx.item, {"name": "ProtocolError", "message": message}, False, None)
            return
        if until - now > self.limits.max_sleep_seconds:
            self.fail(run, self.limits.sleep_limit_error(op.key, op.name or ""))
            return
        self.waiting(run, op, until)
        self.call_for(run, max(until, now), lambda: self.resume(run.run_id, op, None))


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    item: WorkItem
    request_id: str
    start: RequestSent
    wall: float
    reply: Reply


def _sleep_target(op: Op, now: float) -> float:
    """The sleep's end: the ISO time in ``name`` (Python SDK) or ``opts.duration``."""
    if isinstance(op.name, str) and op.name[:1].isdigit():
        return parse_iso_time(op.name)
    duration = (op.opts or {}).get("duration")
    if duration is None:
        raise ProtocolError(f"name {op.name!r} is not an ISO time and there is no opts.duration")
    return now + parse_duration(str(duration))


def where(item: WorkItem, request_id: str) -> str:
    target = f"step {item.target!r}" if item.target else "discovery"
    return (
        f"run {item.run.run_id} of {item.run.spec.id!r}, request {request_id} "
        f"({target}, attempt {item.attempt})"
    )


def _unsupported(ctx: Context, op: Op) -> dict[str, Any]:
    return {
        "name": "UnsupportedOpcode",
        "message": (
            f"{where(ctx.item, ctx.request_id)}: step {op.key!r} reported {op.op}, "
            "which this simulator does not handle yet"
        ),
    }
