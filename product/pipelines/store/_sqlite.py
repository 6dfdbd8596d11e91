"""The embedded default lecture store: one SQLite file through the stdlib `sqlite3`."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, cast

from pipelines._validation import check_lecture
from pipelines.errors import InvalidRequestError
from pipelines.models import AssetKind, AssetRecord, Lecture, Segment

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence

    from pipelines.models import AssetOutcome, MergeSummary, SlotResult

__all__ = ["SqliteLectureStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lectures (
    id TEXT PRIMARY KEY,
    owner_user_id TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS segments (
    lecture_id TEXT NOT NULL REFERENCES lectures(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    narration_text TEXT NOT NULL,
    visual_brief TEXT NOT NULL,
    PRIMARY KEY (lecture_id, idx)
);
CREATE TABLE IF NOT EXISTS assets (
    lecture_id TEXT NOT NULL REFERENCES lectures(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    segment INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    uri TEXT,
    sha256 TEXT,
    error_code TEXT,
    result_json TEXT NOT NULL,
    PRIMARY KEY (lecture_id, kind, segment, idx)
);
"""

# The WHERE clause is the whole merge policy, evaluated atomically by SQLite: a new success
# always lands, a failure lands only over another failure, or when forced.
_UPSERT = """
INSERT INTO assets (lecture_id, kind, segment, idx, ok, uri, sha256, error_code, result_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (lecture_id, kind, segment, idx) DO UPDATE SET
    ok = excluded.ok, uri = excluded.uri, sha256 = excluded.sha256,
    error_code = excluded.error_code, result_json = excluded.result_json
WHERE excluded.ok = 1 OR assets.ok = 0 OR ?
"""


class SqliteLectureStore:
    """A `LectureStore` in one SQLite file.

    Each call opens its own short-lived connection, so the store is safe to use from the
    worker threads the Inngest functions hand blocking calls to.

    Args:
        path: The database file; its directory is created when missing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteLectureStore(path={str(self.path)!r})"

    def create_lecture(self, lecture: Lecture, *, replace: bool = False) -> None:
        """Insert `lecture`; with `replace`, drop any lecture of that id (and its assets) first.

        Raises:
            InvalidRequestError: the lecture is malformed (bad id, no owner, repeated or
                negative segment indexes), or it exists and `replace` is False.
        """
        check_lecture(lecture)
        with self._connect() as conn:
            if replace:
                conn.execute("DELETE FROM lectures WHERE id = ?", (lecture.id,))
            try:
                conn.execute(
                    "INSERT INTO lectures (id, owner_user_id, title) VALUES (?, ?, ?)",
                    (lecture.id, lecture.owner_user_id, lecture.title),
                )
            except sqlite3.IntegrityError:
                raise InvalidRequestError(
                    f"lecture {lecture.id!r} already exists: pass replace=True to overwrite it"
                ) from None
            conn.executemany(
                "INSERT INTO segments (lecture_id, idx, narration_text, visual_brief) "
                "VALUES (?, ?, ?, ?)",
                [(lecture.id, s.index, s.narration_text, s.visual_brief) for s in lecture.segments],
            )

    def get_lecture(self, lecture_id: str) -> Lecture | None:
        """Return the lecture, or None when the id is unknown."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT owner_user_id, title FROM lectures WHERE id = ?", (lecture_id,)
            ).fetchone()
            if row is None:
                return None
            segments = conn.execute(
                "SELECT idx, narration_text, visual_brief FROM segments "
                "WHERE lecture_id = ? ORDER BY idx",
                (lecture_id,),
            ).fetchall()
        return Lecture(
            id=lecture_id,
            owner_user_id=row[0],
            title=row[1],
            segments=tuple(
                Segment(index=s[0], narration_text=s[1], visual_brief=s[2]) for s in segments
            ),
        )

    def list_assets(self, lecture_id: str, kind: AssetKind | None = None) -> list[AssetRecord]:
        """Return the stored asset rows of a lecture, ordered by kind, segment, index."""
        query = "SELECT kind, segment, idx, result_json FROM assets WHERE lecture_id = ?"
        params: tuple[str, ...] = (lecture_id,)
        if kind is not None:
            query += " AND kind = ?"
            params = (lecture_id, AssetKind(kind).value)
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY kind, segment, idx", params).fetchall()
        return [
            AssetRecord(
                lecture_id=lecture_id,
                kind=AssetKind(row[0]),
                segment=row[1],
                index=row[2],
                result=cast("AssetOutcome", json.loads(row[3])),
            )
            for row in rows
        ]

    def merge_assets(
        self,
        lecture_id: str,
        kind: AssetKind,
        results: Sequence[SlotResult],
        *,
        force: bool = False,
    ) -> MergeSummary:
        """Upsert results keyed by (lecture, kind, segment, index) in one transaction.

        A success always replaces the stored row; a failure replaces only a failure, unless
        `force` is set. Returns how many rows were written and how many successes were kept.
        """
        kind = AssetKind(kind)
        written = 0
        with self._connect() as conn:
            for item in results:
                cursor = conn.execute(_UPSERT, (*_row(lecture_id, kind, item), int(force)))
                written += cursor.rowcount
        return {"written": written, "kept": len(results) - written}

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10.0)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:
                yield conn
        finally:
            conn.close()


def _row(lecture_id: str, kind: AssetKind, item: SlotResult) -> tuple[object, ...]:
    result = item["result"]
    if result["ok"]:
        asset = result["asset"]
        columns: tuple[object, ...] = (1, asset["uri"], asset["sha256"], None)
    else:
        columns = (0, None, None, result["error"]["code"])
    payload = json.dumps(result, sort_keys=True, separators=(",", ":"))
    return (lecture_id, kind.value, item["segment"], item["index"], *columns, payload)
