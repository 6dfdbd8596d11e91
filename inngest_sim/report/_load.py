"""Reading a saved trace for the report, tolerant of newer traces.

``Trace.load`` rejects record kinds it does not know; a report should still draw
a trace written by a newer simulator, so unknown kinds (and known kinds with
fields this version lacks) are kept as :class:`GenericRecord` and drawn as
generic markers.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar

from inngest_sim._trace import Record, Trace, record_class

__all__ = ["GenericRecord", "load_trace", "parse_lenient"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class GenericRecord(Record):
    """A record this version cannot rebuild: its raw fields, ``kind`` included."""

    kind: ClassVar[str] = "generic"
    run_id: str | None = None
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def parse_lenient(text: str) -> Trace:
    """A trace from its JSON, keeping records ``Trace.from_json`` would reject."""
    payload = json.loads(text)
    records: list[Record] = []
    for raw in payload["records"]:
        cls = record_class(str(raw.get("kind")))
        record: Record | None = None
        if cls is not None:
            names = {f.name for f in dataclasses.fields(cls)}
            try:
                record = cls(**{k: v for k, v in raw.items() if k in names})
            except TypeError:
                record = None
        if record is None:
            run_id = raw.get("run_id")
            record = GenericRecord(
                seq=int(_number(raw.get("seq"))),
                t=_number(raw.get("t")),
                wall=_number(raw.get("wall")),
                run_id=run_id if isinstance(run_id, str) else None,
                fields=dict(raw),
            )
        records.append(record)
    return Trace(records)


def load_trace(path: str | Path) -> Trace:
    """``Trace.load``, falling back to :func:`parse_lenient` for newer traces."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        return Trace.from_json(text)
    except (ValueError, TypeError):
        return parse_lenient(text)
