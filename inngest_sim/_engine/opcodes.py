"""How the engine handles each opcode of a 206 response, as the Go executor does.

``handle_ops`` applies what holds for a whole response (the ops limit, each step
output measured once, parallel planning, ``WaitForEvent`` first) and dispatches each op
through one table: ``OPCODES`` here for the step opcodes and sleeps, merged with the
tables the pauses (wait for event, invoke) and the AI gateway return.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._engine.defers import LAZY_OPS, abort_defer, add_defer
from inngest_sim._engine.run import WorkItem
from inngest_sim._protocol import (
    RUN_COMPLETE,
    STEP_OUTPUT_OPS,
    ProtocolError,
    error_memo,
    json_size,
    parse_sleep_target,
)

if TYPE_CHECKING:
    from inngest_sim._engine.ports import Answer, OpHandler, OpTable, RunOps
    from inngest_sim._protocol import Op

__all__ = ["OPCODES", "STEP_OUTPUT_OPS", "handle_ops"]


def handle_ops(ops: RunOps, answer: Answer, table: OpTable) -> None:
    """Handle every op of ``answer``'s 206 response."""
    run, reported = answer.item.run, answer.reply.ops
    limits = ops.config.limits
    for op in reported:
        run.keys.setdefault(op.id, op.key)
    if len(reported) > limits.max_ops_per_response:
        ops.fail(run, limits.ops_limit_error(len(reported)))
        return
    # Each output is measured once, wrapped as it will be stored; the size serves the
    # 4 MiB check, the 32 MiB check and the state accounting.
    sizes = answer.sizes
    for op in reported:
        kind = STEP_OUTPUT_OPS.get(op.op)
        if kind is None:
            continue
        size = sizes[op.id] = json_size({kind: op.data if kind == "data" else op.error})
        if size > limits.max_step_output_bytes:
            error = limits.step_output_error(op.key, op.id, size)
            final = ops.retries_exhausted(answer.item, False)
            ops.attempt(answer, op.id, op.key, "failed" if final else "error", error)
            ops.retry_or_fail(answer.item, error, False, None, op.key)
            return
    # RunComplete ends the run; it is not a step to fan in. Nor are lazy ops (defer()),
    # which ride along with another op (executor.go nonLazyOpCount).
    steps = [op for op in reported if op.op != RUN_COMPLETE and op.op not in LAZY_OPS]
    if len(steps) > 1:
        run.disable_immediate_execution = True
        run.pending.update(op.id for op in steps)
    # The server handles WaitForEvent before the other ops of a response, and RunComplete
    # after the steps that came with it (a checkpointing SDK's buffered StepRuns).
    for op in sorted(reported, key=_handling_order):
        if not run.running:
            return
        _dispatch(ops, answer, op, table)
    if reported and not steps and not any(op.op == RUN_COMPLETE for op in reported):
        # Lazy ops alone cannot move the run on: the server enqueues a discovery
        # (executor.go enqueueLazyOpFallback).
        ops.complete_step(run, reported[0])


def _handling_order(op: Op) -> int:
    """Lazy ops first (the server's priority group), then WaitForEvent, then the rest,
    and RunComplete after the steps that came with it."""
    if op.op in LAZY_OPS:
        return -1
    return 0 if op.op == "WaitForEvent" else 2 if op.op == RUN_COMPLETE else 1


def _dispatch(ops: RunOps, answer: Answer, op: Op, table: OpTable) -> None:
    run = answer.item.run
    if op.op not in STEP_OUTPUT_OPS:
        if op.id in run.memos or op.id in run.seen_ops:
            return  # re-reported (race mode re-plans running siblings): already handled
        run.seen_ops.add(op.id)
    handler = table.get(op.op)
    if handler is None:
        ops.fail(run, _unsupported(answer, op, table))
        return
    handler(ops, answer, op)


def _step_ran(ops: RunOps, answer: Answer, op: Op) -> None:
    run, limits = answer.item.run, ops.config.limits
    if op.id in run.memos:
        # A checkpointing SDK may report again, in its answer, a step it checkpointed:
        # the save is idempotent, as the server's is; the step still counts as done.
        ops.complete_step(run, op)
        return
    memo = {"data": op.data}
    size = answer.sizes.get(op.id)
    size = json_size(memo) if size is None else size
    if run.state_bytes + size > limits.max_state_bytes:
        ops.attempt(answer, op.id, op.key, "failed", limits.state_limit_error())
        ops.fail(run, limits.state_limit_error())
        return
    ops.attempt(answer, op.id, op.key, "ok")
    ops.save(run, op, memo, size)
    ops.complete_step(run, op)


def _step_errored(ops: RunOps, answer: Answer, op: Op) -> None:
    item, run = answer.item, answer.item.run
    error = dict(op.error or {"name": "Error", "message": "step failed without an error"})
    final = op.op == "StepFailed" or ops.retries_exhausted(item, answer.reply.no_retry, error)
    ops.attempt(answer, op.id, op.key, "failed" if final else "error", error)
    if error.get("name") in ops.config.fail_fast_errors:
        ops.fail(run, error)  # a failed test assertion: no retries, no catching
        return
    if not final:
        ops.retry_or_fail(item, error, False, answer.reply.retry_after, op.key)
        return
    ops.save(run, op, error_memo(error))
    ops.complete_step(run, op)


def _step_planned(ops: RunOps, answer: Answer, op: Op) -> None:
    ops.schedule(WorkItem(answer.item.run, op.id, target=op.key))


def _sleep(ops: RunOps, answer: Answer, op: Op) -> None:
    run, now = answer.item.run, ops.clock.now()
    try:
        until = parse_sleep_target(op.name, op.opts or {}, now)
    except ProtocolError as exc:
        # Unreadable like a malformed response: the attempt failed, retry it.
        run.seen_ops.discard(op.id)
        message = f"{answer.describe()}: Sleep op {op.key!r}: {exc}"
        ops.retry_or_fail(answer.item, {"name": "ProtocolError", "message": message}, False, None)
        return
    if until - now > ops.config.limits.max_sleep_seconds:
        ops.fail(run, ops.config.limits.sleep_limit_error(op.key, op.name or ""))
        return
    ops.waiting(run, op, until)
    ops.call_for(run, max(until, now), lambda: ops.resume(run.run_id, op, None))


def _run_complete(ops: RunOps, answer: Answer, op: Op) -> None:
    """A checkpointing SDK ran the function to its end inside the request."""
    ops.complete(answer.item.run, op.data)


def _unsupported(answer: Answer, op: Op, table: OpTable) -> dict[str, Any]:
    return {
        "name": "UnsupportedOpcode",
        "message": (
            f"{answer.describe()}: step {op.key!r} reported opcode {op.op!r}, which this "
            f"simulator does not serve (it serves {', '.join(sorted(table))}); the run fails "
            "rather than retry an answer that would not change. See docs/compatibility.md "
            "for the opcodes served by SDK version"
        ),
    }


def _defer_add(ops: RunOps, answer: Answer, op: Op) -> None:
    add_defer(ops.recorder, answer.item.run, op)


def _defer_abort(ops: RunOps, answer: Answer, op: Op) -> None:
    abort_defer(ops.recorder, answer.item.run, op)


#: The engine's own opcodes: defers, step results, planned steps, sleeps and a run's
#: completion.
OPCODES: dict[str, OpHandler] = {
    "DeferAdd": _defer_add,
    "DeferAbort": _defer_abort,
    "StepRun": _step_ran,
    "StepError": _step_errored,
    "StepFailed": _step_errored,
    "StepPlanned": _step_planned,
    "Sleep": _sleep,
    RUN_COMPLETE: _run_complete,
}
