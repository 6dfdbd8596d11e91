"""The lecture store on SQLAlchemy Core: one implementation for SQLite and PostgreSQL.

Reads run inside one transaction with a snapshot (SQLite in WAL mode, PostgreSQL at
REPEATABLE READ), so a lecture and its segments always come from the same committed
state, whatever writers do meanwhile. Writes run in one transaction each (SQLite
``BEGIN IMMEDIATE``), so `merge_assets` is atomic.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from pipelines._validation import check_lecture
from pipelines.errors import InvalidRequestError, LectureNotFoundError, StoreConfigurationError
from pipelines.models import AssetRecord, Lecture, Segment, check_asset_kind
from pipelines.store._schema import ASSETS, LECTURES, SEGMENTS, ensure_schema

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence

    from pipelines.models import AssetOutcome, MergeSummary, SlotResult

__all__ = ["SqlLectureStore", "SqliteLectureStore"]

_WRITE = "pipelines_write"
# Replacing a lecture that another writer replaces at the same moment can collide on its
# primary key (PostgreSQL, READ COMMITTED); the loser simply runs again.
_REPLACE_TRIES = 3


class SqlLectureStore:
    """A `LectureStore` in any database SQLAlchemy reaches: SQLite or PostgreSQL.

    The schema is created (or migrated) on construction. Methods are synchronous and
    short; the Inngest functions call them from worker threads, and the connection pool
    makes that safe.

    Args:
        url: A SQLAlchemy URL: ``sqlite:///path/to.db`` or
            ``postgresql+psycopg://user:pass@host:5432/db``.
        engine_options: Extra keyword arguments for `sqlalchemy.create_engine`.

    Raises:
        StoreConfigurationError: the database cannot be reached, or its schema is newer
            than this release.
    """

    def __init__(self, url: str | sa.URL, **engine_options: Any) -> None:
        self.url = sa.make_url(url)
        backend = self.url.get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise StoreConfigurationError(
                f"lecture store backend {backend!r} is not supported: use sqlite or postgresql"
            )
        self.engine = sa.create_engine(self.url, **engine_options)
        if backend == "sqlite":
            _make_sqlite_transactional(self.engine)
        try:
            with self._transaction(write=True) as conn:
                ensure_schema(conn)
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            where = self.url.render_as_string(hide_password=True)
            raise StoreConfigurationError(
                f"cannot open the lecture store at {where}: {' '.join(str(exc.orig).split())}; "
                "check LECTURE_STORE_URL "
                "and that the database server is running"
            ) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Close every pooled connection (the store reopens them on next use)."""
        self.engine.dispose()

    def create_lecture(self, lecture: Lecture, *, replace: bool = False) -> None:
        """Insert `lecture`; with `replace`, drop any lecture of that id (and its assets) first.

        Raises:
            InvalidRequestError: the lecture is malformed (bad id, no owner, repeated or
                negative segment indexes), or it exists and `replace` is False.
        """
        check_lecture(lecture)
        for attempt in range(_REPLACE_TRIES):
            try:
                with self._transaction(write=True) as conn:
                    if replace:
                        conn.execute(LECTURES.delete().where(LECTURES.c.id == lecture.id))
                    conn.execute(LECTURES.insert().values(_lecture_row(lecture)))
                    if lecture.segments:
                        conn.execute(SEGMENTS.insert(), _segment_rows(lecture))
                return
            except sa.exc.IntegrityError:
                if not replace or attempt + 1 == _REPLACE_TRIES:
                    raise InvalidRequestError(
                        f"lecture {lecture.id!r} already exists: pass replace=True to overwrite it"
                    ) from None

    def get_lecture(self, lecture_id: str) -> Lecture | None:
        """Return the lecture, or None when the id is unknown."""
        with self._transaction() as conn:
            row = conn.execute(
                sa.select(LECTURES.c.owner_user_id, LECTURES.c.title).where(
                    LECTURES.c.id == lecture_id
                )
            ).first()
            if row is None:
                return None
            segments = conn.execute(
                sa.select(SEGMENTS.c.idx, SEGMENTS.c.narration_text, SEGMENTS.c.visual_brief)
                .where(SEGMENTS.c.lecture_id == lecture_id)
                .order_by(SEGMENTS.c.idx)
            ).all()
        return Lecture(
            id=lecture_id,
            owner_user_id=row.owner_user_id,
            title=row.title,
            segments=tuple(Segment(s.idx, s.narration_text, s.visual_brief) for s in segments),
        )

    def list_assets(self, lecture_id: str, kind: str | None = None) -> list[AssetRecord]:
        """Return the stored asset rows of a lecture, ordered by kind, segment, index."""
        query = sa.select(ASSETS.c.kind, ASSETS.c.segment, ASSETS.c.idx, ASSETS.c.result_json)
        query = query.where(ASSETS.c.lecture_id == lecture_id)
        if kind is not None:
            query = query.where(ASSETS.c.kind == check_asset_kind(kind))
        with self._transaction() as conn:
            rows = conn.execute(query.order_by(ASSETS.c.kind, ASSETS.c.segment, ASSETS.c.idx))
            return [
                AssetRecord(
                    lecture_id=lecture_id,
                    kind=row.kind,
                    segment=row.segment,
                    index=row.idx,
                    result=cast("AssetOutcome", json.loads(row.result_json)),
                )
                for row in rows
            ]

    def merge_assets(
        self,
        lecture_id: str,
        kind: str,
        results: Sequence[SlotResult],
        *,
        force: bool = False,
    ) -> MergeSummary:
        """Upsert results keyed by (lecture, kind, segment, index) in one transaction.

        A success always replaces the stored row; a failure replaces only a failure, unless
        `force` is set. Returns how many rows were written and how many successes were kept.

        Raises:
            LectureNotFoundError: the lecture does not exist (nothing is written).
        """
        kind = check_asset_kind(kind)
        written = 0
        try:
            with self._transaction(write=True) as conn:
                exists = conn.execute(
                    sa.select(LECTURES.c.id).where(LECTURES.c.id == lecture_id)
                ).first()
                if exists is None:
                    raise _not_found(lecture_id)
                for item in results:
                    upsert = self._upsert(_asset_row(lecture_id, kind, item), force)
                    # RETURNING yields the row only when it was inserted or updated; rowcount
                    # is not reliable for upserts across drivers.
                    written += len(conn.execute(upsert).all())
        except sa.exc.IntegrityError:
            # The lecture was deleted between the check and the insert (foreign key).
            raise _not_found(lecture_id) from None
        return {"written": written, "kept": len(results) - written}

    def _upsert(self, row: dict[str, object], force: bool) -> sa.Executable:
        insert: postgresql.Insert | sqlite.Insert
        if self.engine.dialect.name == "postgresql":
            insert = postgresql.insert(ASSETS).values(row)
        else:
            insert = sqlite.insert(ASSETS).values(row)
        new = insert.excluded
        # The WHERE clause is the whole merge policy, evaluated atomically by the database:
        # a new success always lands, a failure lands only over another failure, or forced.
        policy = sa.or_(new.ok == 1, ASSETS.c.ok == 0, sa.literal(force))
        return insert.on_conflict_do_update(
            index_elements=[ASSETS.c.lecture_id, ASSETS.c.kind, ASSETS.c.segment, ASSETS.c.idx],
            set_={c: new[c] for c in ("ok", "uri", "sha256", "error_code", "result_json")},
            where=policy,
        ).returning(ASSETS.c.ok)

    @contextlib.contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[sa.Connection]:
        options: dict[str, Any] = {_WRITE: write}
        if self.engine.dialect.name == "postgresql" and not write:
            # One snapshot for every statement of the read.
            options["isolation_level"] = "REPEATABLE READ"
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn


class SqliteLectureStore(SqlLectureStore):
    """The embedded default: a `SqlLectureStore` in one SQLite file.

    Args:
        path: The database file; its directory is created when missing.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(sa.URL.create("sqlite", database=str(self.path)))

    def __repr__(self) -> str:
        return f"SqliteLectureStore(path={str(self.path)!r})"


def _make_sqlite_transactional(engine: sa.Engine) -> None:
    # The stdlib driver opens transactions only before writes, so two SELECTs would each
    # see their own moment. Take over: no implicit transactions, an explicit BEGIN for
    # every unit of work (IMMEDIATE for writes: take the write lock up front rather than
    # fail upgrading a read lock), and WAL so readers keep their snapshot while a writer
    # commits (and neither blocks the other).
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # WAL's recommended level: a commit survives a crash of the process; only a power
        # loss may drop the last commits (the database never corrupts). FULL would fsync
        # on every commit of every step.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _not_found(lecture_id: str) -> LectureNotFoundError:
    return LectureNotFoundError(
        f"lecture {lecture_id!r} does not exist: create it before storing its assets"
    )


def _lecture_row(lecture: Lecture) -> dict[str, object]:
    return {"id": lecture.id, "owner_user_id": lecture.owner_user_id, "title": lecture.title}


def _segment_rows(lecture: Lecture) -> list[dict[str, object]]:
    return [
        {
            "lecture_id": lecture.id,
            "idx": s.index,
            "narration_text": s.narration_text,
            "visual_brief": s.visual_brief,
        }
        for s in lecture.segments
    ]


def _asset_row(lecture_id: str, kind: str, item: SlotResult) -> dict[str, object]:
    result = item["result"]
    row: dict[str, object] = {
        "lecture_id": lecture_id,
        "kind": kind,
        "segment": item["segment"],
        "idx": item["index"],
        "result_json": json.dumps(result, sort_keys=True, separators=(",", ":")),
    }
    if result["ok"]:
        asset = result["asset"]
        row.update(ok=1, uri=asset["uri"], sha256=asset["sha256"], error_code=None)
    else:
        row.update(ok=0, uri=None, sha256=None, error_code=result["error"]["code"])
    return row
