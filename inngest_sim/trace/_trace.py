"""The trace container: records in order, indexed by run, with a JSON round trip."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

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
        for record in records:
            self._store(record)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"<Trace {len(self._records)} records>"

    @property
    def next_seq(self) -> int:
        return len(self._records)

    def _store(self, record: Record) -> None:
        self._records.append(record)
        run_id = getattr(record, "run_id", None)
        if isinstance(run_id, str):
            self._by_run.setdefault(run_id, []).append(record)

    def append(self, record: Record) -> None:
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
        """Records from position ``seq`` on (a record's ``seq`` is its position)."""
        return self._records[seq:]

    def run_ids(self) -> list[str]:
        """Every run id in the trace, in the order its first record was written."""
        return list(self._by_run)

    def for_run(self, run_id: str) -> Trace:
        """The records of one run, as a trace of their own."""
        return Trace(self._by_run.get(run_id, []))

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> str:
        return json.dumps({"version": VERSION, "records": [r.to_dict() for r in self._records]})

    @classmethod
    def from_json(cls, text: str, *, lenient: bool = False) -> Trace:
        """A trace from :meth:`to_json` output.

        Raises ``ValueError`` on a record of an unknown kind or with unknown fields;
        with ``lenient=True`` such records become :class:`GenericRecord` instead (a trace
        written by a newer simulator still loads).
        """
        payload = json.loads(text)
        raw_records = payload.get("records") if isinstance(payload, dict) else None
        if not isinstance(raw_records, list):
            raise ValueError('a trace is a JSON object with a "records" list')
        return cls(_record(raw, lenient) for raw in raw_records)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, lenient: bool = False) -> Trace:
        return cls.from_json(Path(path).read_text(encoding="utf-8"), lenient=lenient)


def _record(raw: Any, lenient: bool) -> Record:
    if not isinstance(raw, dict):
        if lenient:
            return _generic({"value": raw})
        raise ValueError(f"a trace record must be an object, got {type(raw).__name__}")
    fields = dict(raw)
    kind = fields.pop("kind", None)
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
        return cls(**fields)
    except TypeError as exc:
        if lenient:
            return _generic(raw)
        raise ValueError(f"trace record of kind {kind!r}: {exc}") from exc


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
