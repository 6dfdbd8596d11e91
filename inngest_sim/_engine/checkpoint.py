"""Checkpoints: steps a TypeScript v4 SDK ran inside a request and posts while it is open.

The SDK checkpoints only when the request carries ``ctx.fn_id`` and ``ctx.qi_id``
(``checkpoint_ids``). It then posts ``/v1/checkpoint/{run_id}/async`` with the
``StepRun`` ops it ran, awaits the answer and goes on running the function in the same
request, which ends with the next async op, planned steps, an error or ``RunComplete``.
``apply_checkpoint`` is the server's side (``pkg/execution/checkpoint`` in Go):
each step is saved through the run loop's port and counted against the limits, a step
already saved is skipped, anything but ``StepRun`` is refused, and the answer is never
409 (the SDK fails the run on a stale dispatch).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import uuid
from typing import TYPE_CHECKING, Any

from inngest_sim._engine.defers import LAZY_OPS, abort_defer, add_defer
from inngest_sim._engine.ports import Answer
from inngest_sim._protocol import ProtocolError, Reply, json_size, parse_ops
from inngest_sim.trace import Checkpointed

if TYPE_CHECKING:
    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._protocol import Op

__all__ = ["CheckpointAnswer", "apply_checkpoint", "checkpoint_ids"]

_FUNCTION_NAMESPACE = uuid.UUID("8a5c8b3e-6f1d-4d52-9c1e-2f6a3c0b7d41")


def checkpoint_ids(function_id: str, request_id: str) -> dict[str, str]:
    """``fn_id`` and ``qi_id`` as Go sends them: a stable UUID per function, and the
    queue item's reference (base64 of ``job::shard``)."""
    reference = base64.b64encode(f"{request_id}::inngest-sim".encode()).decode("ascii")
    return {"fn_id": _function_uuid(function_id), "qi_id": reference}


@functools.lru_cache(maxsize=1024)
def _function_uuid(function_id: str) -> str:
    return str(uuid.uuid5(_FUNCTION_NAMESPACE, function_id))  # asked for on every request


@dataclasses.dataclass(frozen=True, slots=True)
class CheckpointAnswer:
    """What the API answers: 200 with an empty body, or ``status`` with ``message``."""

    status: int
    message: str | None = None

    def pair(self) -> tuple[int, str | None]:
        return self.status, self.message


def apply_checkpoint(ops: RunOps, run_id: str, body: Any) -> CheckpointAnswer:
    """Save the steps of one checkpoint POST (call it on the simulator's loop)."""
    run = ops.run(run_id)
    if run is None:
        return CheckpointAnswer(
            404,
            f"no run {run_id!r} on this server: a checkpoint names a run this server "
            "started (is the app pointed at another Inngest server?)",
        )
    raw_steps = body.get("steps") if isinstance(body, dict) else None
    if not isinstance(raw_steps, list):
        return _answer(ops, run, None, [], 400, 'the body must be {"run_id", "steps": [ops]}')
    request_id = body.get("request_id")
    request_id = request_id if isinstance(request_id, str) else None
    try:
        steps = parse_ops(raw_steps)
    except ProtocolError as exc:
        return _answer(ops, run, request_id, [], 400, f"unreadable checkpoint: {exc}")
    keys = [op.key for op in steps]
    refused = next((op for op in steps if op.op != "StepRun" and op.op not in LAZY_OPS), None)
    if refused is not None:
        # As Go: only steps that ran can be checkpointed; the SDK then reports them.
        message = f"cannot checkpoint opcode {refused.op} (only StepRun, DeferAdd, DeferAbort)"
        return _answer(ops, run, request_id, keys, 400, message)
    if not run.running:
        return _answer(ops, run, request_id, keys, 200, f"ignored: the run is {run.status}")
    return _save_all(ops, run, request_id, steps)


def _save_all(
    ops: RunOps, run: RunState, request_id: str | None, steps: tuple[Op, ...]
) -> CheckpointAnswer:
    limits, keys = ops.config.limits, [op.key for op in steps]
    found = ops.in_flight(run.run_id, request_id)
    for op in steps:
        run.keys.setdefault(op.id, op.key)
        if op.op in LAZY_OPS:
            # Handled where they ride, as the server's checkpoint handler does.
            (add_defer if op.op == "DeferAdd" else abort_defer)(ops.recorder, run, op)
            continue
        if op.id in run.memos:
            continue  # a step checkpointed twice is saved once
        memo = {"data": op.data}
        size = json_size(memo)
        if size > limits.max_step_output_bytes:
            # Go answers 413; the SDK retries, then reports the step in its answer,
            # where the size limit fails the step as for any other answer.
            message = limits.step_output_error(op.key, op.id, size)["message"]
            return _answer(ops, run, request_id, keys, 413, message)
        if run.state_bytes + size > limits.max_state_bytes:
            message = limits.state_limit_error()["message"]
            return _answer(ops, run, request_id, keys, 413, message)
        if run.step_count >= limits.max_steps:
            ops.fail(run, limits.step_limit_error())
            return _answer(ops, run, request_id, keys, 200, "the run hit the step limit")
        if found is not None:
            item, start = found
            wall = ops.recorder.wall() - start.wall
            answer = Answer(item, start.request_id, start, wall, Reply("ops", 200, ops=(op,)))
            ops.attempt(answer, op.id, op.key, "ok")
        ops.save(run, op, memo, size)
    return _answer(ops, run, request_id, keys, 200, None)


def _answer(
    ops: RunOps,
    run: RunState,
    request_id: str | None,
    keys: list[str],
    status: int,
    message: str | None,
) -> CheckpointAnswer:
    ops.recorder.record(
        Checkpointed,
        run_id=run.run_id,
        request_id=request_id,
        steps=keys,
        status=status,
        message=message,
    )
    return CheckpointAnswer(status, message if status != 200 else None)
