"""Step and run metadata (TypeScript ``inngest.metadata``), kept and limited as the server does.

Metadata comes two ways: on a step's op (``metadata: [{kind, scope, op, values}]``, for the
step that is running) and through ``POST /v1/runs/{id}/metadata`` (any other target). As in
Go (``pkg/tracing/metadata.go`` CreateMetadataSpan, ``pkg/api/apiv1/metadata.go``):

* an update's size is the sum of its keys' and JSON values' lengths; one update may hold
  64 KiB (``MaxMetadataSpanSize``) and a run 1 MiB in all (``MaxRunMetadataSize``);
* through the API, a bad request gets the server's status and message (400 for an unreadable
  body, a target naming a step index, attempt or span without a step, a kind over 128 bytes or
  an ``inngest.*`` kind the server does not allow; 413 over a limit);
* on an op, an update over a limit is dropped (the server logs a warning): the step is saved.

Every update is a ``MetadataAdded`` record; kept ones count toward the run's state size.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from inngest_sim.trace import MetadataAdded

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim.trace._recorder import Recorder

__all__ = ["MAX_RUN_BYTES", "MAX_SPAN_BYTES", "add_from_op", "apply_api_metadata"]

MAX_SPAN_BYTES = 64 * 1024  # consts.MaxMetadataSpanSize
MAX_RUN_BYTES = 1024 * 1024  # consts.MaxRunMetadataSize
_MAX_KIND_LENGTH = 128  # metadata.MaxKindLength
# kind.go allowedInngestKinds: the inngest.* kinds an SDK may set.
_INNGEST_KINDS = frozenset(
    {
        "inngest.ai",
        "inngest.http",
        "inngest.http.timing",
        "inngest.response_headers",
        "inngest.warnings",
        "inngest.experiment",
        "inngest.score",
    }
)
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$", re.IGNORECASE)
SPAN_TOO_LARGE = "Metadata span exceeds maximum size of 64KB"
RUN_TOO_LARGE = "Cumulative metadata size exceeds limit"


def values_size(values: Any) -> int:
    """``Values.Size()``: each key's length plus its value's JSON length, in bytes."""
    if not isinstance(values, dict):
        return len(json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode())
    return sum(
        len(str(key).encode())
        + len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
        for key, value in values.items()
    )


def _kind_problem(kind: Any) -> str | None:
    text = kind if isinstance(kind, str) else ""
    if len(text.encode()) > _MAX_KIND_LENGTH:
        return f"kind {text[:40]!r}... is over {_MAX_KIND_LENGTH} bytes"
    if text.startswith("inngest.") and text not in _INNGEST_KINDS:
        return f"kind {text!r}: inngest-prefixed kinds other than {sorted(_INNGEST_KINDS)}"
    return None


def _add(
    recorder: Recorder,
    run: RunState,
    step: str | None,
    update: Mapping[str, Any],
    source: str,
) -> str | None:
    """Count and record one update; returns why it was refused, or None."""
    size = values_size(update.get("values"))
    problem = None
    if size > MAX_SPAN_BYTES:
        problem = SPAN_TOO_LARGE
    elif run.metadata_bytes + size > MAX_RUN_BYTES:
        problem = RUN_TOO_LARGE
    else:
        run.metadata_bytes += size
        run.state_bytes += size
    recorder.record(
        MetadataAdded,
        run_id=run.run_id,
        step=step,
        scope=str(update.get("scope") or ("step" if step else "run")),
        metadata_kind=str(update.get("kind") or ""),
        op=str(update.get("op") or ""),
        values=update.get("values"),
        bytes=size,
        source=source,
        dropped=problem,
    )
    return problem


def add_from_op(recorder: Recorder, run: RunState, step: str, updates: Any) -> None:
    """The metadata a step's op carried: kept, or dropped over a limit (as Go drops it)."""
    for update in updates:
        _add(recorder, run, step, update, "op")


def apply_api_metadata(ops: RunOps, run_id: str, body: Any) -> tuple[int, str | None]:
    """``POST /v1/runs/{run_id}/metadata``: the status and, when not 200, the message."""
    if not _ULID.match(run_id):
        return 400, f"Invalid run ID: {run_id}"
    if not isinstance(body, dict) or not isinstance(body.get("target") or {}, dict):
        return 400, "Invalid metadata target"
    target = body.get("target") or {}
    updates = body.get("metadata") or []
    if target.get("step_id") is None and any(
        target.get(k) is not None for k in ("step_index", "step_attempt", "span_id")
    ):
        return 400, "Invalid metadata target"
    if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
        return 400, "Invalid metadata target"
    if any(_kind_problem(u.get("kind")) for u in updates):
        return 400, "Invalid metadata"
    run = ops.run(run_id)
    if run is None:
        # Go falls back to a request-local limit for a run it cannot load: accepted.
        return 200, None
    step = target.get("step_id")
    for update in updates:
        problem = _add(ops.recorder, run, step if isinstance(step, str) else None, update, "api")
        if problem is not None:
            return 413, problem
    return 200, None
