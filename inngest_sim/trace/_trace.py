"""The trace container: records in order, indexed by run, with a JSON round trip."""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim.trace import _records as _records_module
from inngest_sim.trace._records import GenericRecord, Record, record_class

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

__all__ = ["Trace"]

R = TypeVar("R", bound=Record)
VERSION = 1


class Trace:
    """An append-only sequence of records that every view reads from.

    Results, assertions, the timeline and the HTML report are computed from the trace
    alone, so a trace saved as JSON and loaded again gives the same answers.
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self._records: list[Record] = []
        # Records that name a run, by run id: a run's views cost its own records, not
        # the whole trace's (a suite with thousands of runs reads each one often).
        self._by_run: dict[str, list[Record]] = {}
        self._listeners: list[Callable[[Record], None]] = []
        self._forgotten = 0  # records dropped by forget(): seqs go on from where they were
        for record in records:
            self._store(record)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"<Trace {len(self._records)} records>"

    @property
    def forgotten(self) -> int:
        """How many records ``forget`` has dropped so far (views built on the trace check
        it to know when to rebuild)."""
        return self._forgotten

    @property
    def next_seq(self) -> int:
        return self._forgotten + len(self._records)

    def _store(self, record: Record) -> None:
        self._records.append(record)
        run_id = getattr(record, "run_id", None)
        if isinstance(run_id, str):
            self._by_run.setdefault(run_id, []).append(record)

    def append(self, record: Record) -> None:
        """Add ``record`` and tell every subscriber (the simulator records through this)."""
        self._store(record)
        for listener in self._listeners:
            listener(record)

    def subscribe(self, listener: Callable[[Record], None]) -> Callable[[], None]:
        """Call ``listener(record)`` for every record appended from now on.

        Returns a function that unsubscribes. Listeners run on the thread that
        appended, so they must be quick and must not append records themselves.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def of(self, kind: type[R], run_id: str | None = None) -> list[R]:
        """Records of one kind, optionally of one run, in order."""
        source = self._records if run_id is None else self._by_run.get(run_id, [])
        return [r for r in source if isinstance(r, kind)]

    def since(self, seq: int) -> list[Record]:
        """Records from ``seq`` on (a record's ``seq`` is its position, counting any
        that ``forget`` dropped)."""
        return (
            [r for r in self._records if r.seq >= seq] if self._forgotten else self._records[seq:]
        )

    def forget(self, drop: Callable[[Record], bool]) -> int:
        """Drop the records ``drop`` says to (a long-lived dev server keeps a bounded
        history this way); returns how many. The trace is append-only otherwise."""
        kept = [r for r in self._records if not drop(r)]
        dropped = len(self._records) - len(kept)
        if dropped:
            self._records = kept
            self._forgotten += dropped
            self._by_run = {}
            for record in kept:
                run_id = getattr(record, "run_id", None)
                if isinstance(run_id, str):
                    self._by_run.setdefault(run_id, []).append(record)
        return dropped

    def run_ids(self) -> list[str]:
        """Every run id in the trace, in the order its first record was written."""
        return list(self._by_run)

    def for_run(self, run_id: str) -> Trace:
        """The records of one run, as a trace of their own."""
        return Trace(self._by_run.get(run_id, []))

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> str:
        """The whole trace as JSON (``from_json`` reads it back)."""
        return json.dumps({"version": VERSION, "records": [r.to_dict() for r in self._records]})

    @classmethod
    def from_json(cls, text: str, *, lenient: bool = False) -> Trace:
        """A trace from ``to_json`` output.

        Raises ``ValueError`` on a record of an unknown kind or with unknown fields;
        with ``lenient=True`` such records become ``GenericRecord`` instead (a trace
        written by a newer simulator still loads).
        """
        payload = json.loads(text)
        raw_records = payload.get("records") if isinstance(payload, dict) else None
        if not isinstance(raw_records, list):
            raise ValueError('a trace is a JSON object with a "records" list')
        return cls(_record(raw, lenient) for raw in raw_records)

    def save(self, path: str | Path) -> Path:
        """Write the trace as JSON to ``path``; returns the path."""
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, lenient: bool = False) -> Trace:
        """Read a trace written by ``save`` (``lenient``: as ``from_json`` takes it)."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"), lenient=lenient)


def _record(raw: Any, lenient: bool) -> Record:
    """One record from JSON. A record no simulator could have written is an error even
    when lenient: leniency is for newer simulators, not for corrupted files."""
    if not isinstance(raw, dict):
        raise ValueError(f"a trace record must be an object, got {type(raw).__name__}")
    fields = dict(raw)
    kind = fields.pop("kind", None)
    problem = _base_problem(fields)
    if problem:
        raise ValueError(f"trace record of kind {kind!r}: {problem}")
    cls = record_class(str(kind))
    if cls is None:
        if lenient:
            return _generic(raw)
        raise ValueError(f"unknown trace record kind {kind!r}")
    if lenient:
        # A newer simulator may have added fields to a known kind: keep what this
        # version knows, and fall back to a generic record if that is not enough.
        known = {f.name for f in dataclasses.fields(cls)}
        fields = {k: v for k, v in fields.items() if k in known}
    try:
        record = cls(**fields)
    except TypeError as exc:
        if lenient:
            return _generic(raw)
        raise ValueError(f"trace record of kind {kind!r}: {exc}") from exc
    wrong = _wrong_field(record)
    if wrong:
        raise ValueError(f"trace record #{record.seq} of kind {kind!r}: {wrong}")
    return record


def _base_problem(fields: dict[str, Any]) -> str | None:
    """What is wrong with the fields every record has (seq, t, wall), if anything."""
    seq = fields.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int):
        return f"seq={seq!r} is not a whole number"
    for name in ("t", "wall"):
        value = fields.get(name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"{name}={value!r} is not a finite number of seconds"
    return None


_FIELD_TYPES: dict[type[Record], dict[str, Any]] = {}


def _field_types(cls: type[Record]) -> dict[str, Any]:
    if cls not in _FIELD_TYPES:
        # The records' own module: their __module__ names the public package instead.
        _FIELD_TYPES[cls] = typing.get_type_hints(cls, globalns=vars(_records_module))
    return _FIELD_TYPES[cls]


def _wrong_field(record: Record) -> str | None:
    """The first field whose value does not have the type the record class declares."""
    for field in dataclasses.fields(record):
        value = getattr(record, field.name)
        if not _is_a(value, _field_types(type(record))[field.name]):
            return f"{field.name}={value!r:.60} does not have the type {field.type}"
    return None


def _is_a(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return any(_is_a(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(_is_a(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _generic(raw: dict[str, Any]) -> GenericRecord:
    run_id = raw.get("run_id")
    return GenericRecord(
        seq=int(_number(raw.get("seq"))),
        t=_number(raw.get("t")),
        wall=_number(raw.get("wall")),
        run_id=run_id if isinstance(run_id, str) else None,
        fields=dict(raw),
    )
