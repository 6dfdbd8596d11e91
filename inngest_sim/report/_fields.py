"""Reading any record's fields as short text, for details and generic markers.

Record kinds may be added later; the report shows what it does not know as
``field=value`` text, cut to a length that keeps pages small.
"""

from __future__ import annotations

import json
from typing import Any

from inngest_sim.report._frames import frames
from inngest_sim.trace import EventReceived, Published, Record

__all__ = [
    "FIELD_LIMIT",
    "describe_other",
    "details",
    "error_summary",
    "record_fields",
    "record_kind",
    "short_text",
]

MESSAGE_LIMIT = 1000
STACK_LIMIT = 4000
FIELD_LIMIT = 300
_COMMON = ("kind", "seq", "t", "wall", "run_id")


def record_kind(record: Record) -> str:
    """The record's kind, also for records the lenient loader kept as generic."""
    fields = getattr(record, "fields", None)
    if isinstance(fields, dict) and isinstance(fields.get("kind"), str):
        return str(fields["kind"])
    return record.kind


def record_fields(record: Record) -> dict[str, Any]:
    """Every field of ``record`` (with ``kind``), whatever its class."""
    fields = getattr(record, "fields", None)
    if isinstance(fields, dict):
        return dict(fields)
    try:
        return record.to_dict()
    except Exception:  # a future record with a value dataclasses.asdict cannot copy
        return {"kind": record.kind, "seq": record.seq, "t": record.t}


def short_text(value: Any, limit: int) -> str:
    """``value`` as text (JSON unless a string), cut to ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_summary(error: Any) -> dict[str, Any] | None:
    """``name``, ``message``, ``stack`` and ``frames`` of an error as the SDK reports it.

    ``stack`` keeps its end (where the error was raised) when it is long; ``frames``
    are its frames, each marked with whose code it is (see ``_frames``).
    """
    if not error:
        return None
    if not isinstance(error, dict):
        text = short_text(error, MESSAGE_LIMIT)
        return {"name": "Error", "message": text, "stack": "", "frames": []}
    stack = error.get("stack") or ""
    stack = stack if isinstance(stack, str) else short_text(stack, STACK_LIMIT)
    return {
        "name": short_text(error.get("name") or "Error", FIELD_LIMIT),
        "message": short_text(error.get("message") or error.get("error") or "", MESSAGE_LIMIT),
        "stack": stack if len(stack) <= STACK_LIMIT else "…" + stack[-(STACK_LIMIT - 1) :],
        "frames": [
            {k: short_text(v, FIELD_LIMIT) if isinstance(v, str) else v for k, v in f.items()}
            for f in frames(stack)
        ],
    }


def details(record: Record) -> dict[str, str]:
    """The fields a record adds to the common ones, as short text."""
    fields = record_fields(record)
    return {k: short_text(v, FIELD_LIMIT) for k, v in list(fields.items()) if k not in _COMMON}


def describe_other(record: Record, t0: float) -> dict[str, Any]:
    """A row of the page's table of records that belong to no run (events, ...)."""
    if isinstance(record, EventReceived):
        text = f"{record.event.get('name')} from {record.source}"
    elif isinstance(record, Published):
        text = f"{record.channel} / {record.topic}: {short_text(record.data, FIELD_LIMIT)}"
    else:
        text = ", ".join(f"{k}={v}" for k, v in details(record).items())
    return {
        "k": record_kind(record),
        "seq": record.seq,
        "ts": round(record.t - t0, 6),
        "text": text,
    }
