"""``defer()`` (TypeScript): deferred runs a function registers, scheduled when it ends.

As the Go server does (``pkg/execution/defers``, ``executor.go``, ``checkpoint.go``,
``finalize.go buildDeferEvents``, ``driver.go``):

* ``DeferAdd`` and ``DeferAbort`` are *lazy* ops: they ride with another op of a response or a
  checkpoint, do not count as parallel steps, and are handled first. A response of lazy ops only
  gets a discovery, so the run goes on;
* a ``DeferAdd`` keeps ``{fn_slug, input, meta}`` under its hashed id, once; more than 20 per
  run, an input over 4 MiB, inputs over 4 MiB in all, or an input that is not an object are
  soft-rejected: the run goes on without that deferred run. ``DeferAbort`` aborts one;
* every request carries ``defers: {hashed id: {"abortable": ...}}``, so the SDK does not send a
  ``DeferAdd`` again on replay;
* when the run ends, however it ends, each kept defer becomes one ``inngest/deferred.schedule``
  event whose data is the input plus ``_inngest`` naming the parent.

Each add, abort and rejection is a ``Deferred`` record.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Any

from inngest_sim._engine.run import DeferEntry
from inngest_sim._protocol import json_size
from inngest_sim._server.sessions import SessionError, resolve_sessions
from inngest_sim.trace import Deferred

if TYPE_CHECKING:
    from inngest_sim._engine.run import RunState
    from inngest_sim._protocol import Op
    from inngest_sim.trace._recorder import Recorder

__all__ = [
    "DEFER_EVENT",
    "LAZY_OPS",
    "DeferEntry",
    "abort_defer",
    "add_defer",
    "defer_events",
    "defers_map",
]

LAZY_OPS = frozenset({"DeferAdd", "DeferAbort"})
DEFER_EVENT = "inngest/deferred.schedule"  # consts.FnDeferScheduleName
MAX_DEFERS = 20  # consts.MaxDefersPerRun
MAX_INPUT_BYTES = 4 * 1024 * 1024  # consts.MaxDeferInputSize
MAX_TOTAL_INPUT_BYTES = 4 * 1024 * 1024  # consts.MaxDeferInputAggregateSize
_NAMESPACE = uuid.UUID("5b1f6d0e-7f55-4e1b-9a0c-6f1f0c2d4e11")  # the simulator's own
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _record(recorder: Recorder, run: RunState, entry: DeferEntry, reason: str | None) -> None:
    recorder.record(
        Deferred,
        run_id=run.run_id,
        step=entry.step,
        step_hash=entry.hashed_id,
        function_slug=entry.fn_slug,
        status=entry.status,
        reason=reason,
    )


def add_defer(recorder: Recorder, run: RunState, op: Op) -> None:
    """A ``DeferAdd`` op: keep the deferred run, or reject it softly (the run goes on)."""
    if op.id in run.defers:
        return  # sent again (a replay without the defers map, or a retry): kept once
    opts = dict(op.opts or {})
    entry = DeferEntry(
        op.id, op.key, str(opts.get("fn_slug") or ""), opts.get("input"), opts.get("meta"), ""
    )
    reason = _rejection(run, entry)
    entry.status = "rejected" if reason else "after_run"
    run.defers[op.id] = entry
    _record(recorder, run, entry, reason)


def _rejection(run: RunState, entry: DeferEntry) -> str | None:
    if not entry.fn_slug:
        return "invalid_opts: fn_slug is required"
    if entry.input is not None and not isinstance(entry.input, dict):
        return "invalid_input: the input must be a JSON object"
    size = json_size(entry.input)
    if size > MAX_INPUT_BYTES:
        return f"per_defer_size: the input is {size} bytes, more than {MAX_INPUT_BYTES}"
    kept = [d for d in run.defers.values() if d.status != "rejected"]
    if len(kept) >= MAX_DEFERS:
        return f"per_run_count: a run may defer at most {MAX_DEFERS} runs"
    total = size + sum(json_size(d.input) for d in kept)
    if total > MAX_TOTAL_INPUT_BYTES:
        return f"aggregate_size: the run's defer inputs are over {MAX_TOTAL_INPUT_BYTES} bytes"
    return None


def abort_defer(recorder: Recorder, run: RunState, op: Op) -> None:
    """A ``DeferAbort`` op: the deferred run it names will not be scheduled."""
    target = str((op.opts or {}).get("target_hashed_id") or "")
    entry = run.defers.get(target)
    if entry is None or entry.status != "after_run":
        return  # Go logs the error and the run goes on
    entry.status = "aborted"
    _record(recorder, run, entry, None)


def defers_map(run: RunState) -> dict[str, dict[str, bool]]:
    """The request's ``defers``: each registered id, abortable while it is kept."""
    return {h: {"abortable": d.status == "after_run"} for h, d in run.defers.items()}


def _uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def _event_id(run_id: str, hashed_id: str) -> str:
    """A ULID with the parent's time and a part fixed by (run, step), as ``DeferEventID``."""
    digest = int.from_bytes(hashlib.sha1(f"defer-event:{run_id}:{hashed_id}".encode()).digest())
    random = "".join(_CROCKFORD[(digest >> (5 * i)) & 31] for i in range(16))
    return run_id[:10] + random


def _span_ref(run_id: str, hashed_id: str) -> dict[str, str]:
    """The defer's span in the parent run, in Go's ``meta.SpanReference`` shape."""
    trace = hashlib.sha256(f"trace:{run_id}".encode()).hexdigest()[:32]
    span = hashlib.sha256(f"defer:{run_id}:{hashed_id}".encode()).hexdigest()[:16]
    parent = hashlib.sha256(f"run:{run_id}".encode()).hexdigest()[:16]
    return {
        "dsid": span,
        "dstp": f"00-{trace}-{parent}-00",
        "tp": f"00-{trace}-{span}-00",
        "ts": "",
    }


def defer_events(run: RunState, now: float) -> list[dict[str, Any]]:
    """One ``inngest/deferred.schedule`` event per kept defer of a run that ended."""
    events = []
    for entry in run.defers.values():
        if entry.status != "after_run":
            continue
        data = dict(entry.input or {})
        data["_inngest"] = {
            "fn_slug": entry.fn_slug,
            "parent_app_id": _uuid("app", run.spec.app_id or ""),
            "parent_defer_span": _span_ref(run.run_id, entry.hashed_id),
            "parent_fn_id": _uuid("fn", run.spec.id),
            "parent_fn_slug": run.spec.id,
            "parent_run_id": run.run_id,
        }
        event: dict[str, Any] = {
            "id": _event_id(run.run_id, entry.hashed_id),
            "name": DEFER_EVENT,
            "data": data,
            "ts": round(now * 1000),
        }
        try:
            meta = resolve_sessions(entry.meta)
        except SessionError:
            continue  # finalize.go drops an event whose merged sessions fail validation
        if meta is not None:
            event["meta"] = meta
        events.append(event)
    return events
