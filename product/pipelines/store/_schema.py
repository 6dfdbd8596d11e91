"""The lecture store's tables, and the migrations that bring a database up to date.

One schema for SQLite and PostgreSQL (SQLAlchemy Core). `ensure_schema` runs on a store's
first use: it creates missing tables, stamps the version in ``schema_version``, and applies
any later migration in order, inside one transaction, so two processes opening a new
database at once cannot half-create it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from pipelines.errors import StoreConfigurationError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ASSETS", "LECTURES", "METADATA", "SCHEMA_VERSION", "SEGMENTS", "ensure_schema"]

METADATA = sa.MetaData()


def _lecture_id() -> sa.Column[str]:
    # Rows of a lecture go with it: deleting (or replacing) a lecture drops them.
    return sa.Column(
        "lecture_id", sa.Text, sa.ForeignKey("lectures.id", ondelete="CASCADE"), primary_key=True
    )


LECTURES = sa.Table(
    "lectures",
    METADATA,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("owner_user_id", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
)
SEGMENTS = sa.Table(
    "segments",
    METADATA,
    _lecture_id(),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("narration_text", sa.Text, nullable=False),
    sa.Column("visual_brief", sa.Text, nullable=False),
)
ASSETS = sa.Table(
    "assets",
    METADATA,
    _lecture_id(),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("segment", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("ok", sa.Integer, nullable=False),
    sa.Column("uri", sa.Text),
    sa.Column("sha256", sa.Text),
    sa.Column("error_code", sa.Text),
    sa.Column("result_json", sa.Text, nullable=False),
)
_VERSION = sa.Table(
    "schema_version",
    METADATA,
    sa.Column("version", sa.Integer, nullable=False),
)

# Version 1 is the schema above, which is also what the stdlib-sqlite3 store of earlier
# releases created (without the version table): such files are stamped 1 and keep their
# data. A later change appends a migration here and raises SCHEMA_VERSION.
_MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {}
SCHEMA_VERSION = 1 + len(_MIGRATIONS)
_LOCK_KEY = 0x6C6563747572  # "lectur": any constant shared by every process of the app


def ensure_schema(conn: sa.Connection) -> None:
    """Create or migrate the schema on `conn` (inside the caller's transaction).

    Raises:
        StoreConfigurationError: the database was written by a newer release.
    """
    if conn.dialect.name == "postgresql":
        # Two processes opening a fresh database would both try CREATE TABLE; this lock
        # (released at commit) makes the second wait and then find the tables.
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    METADATA.create_all(conn, checkfirst=True)
    version = conn.execute(sa.select(_VERSION.c.version)).scalar()
    if version is None:
        conn.execute(_VERSION.insert().values(version=1))
        version = 1
    if version > SCHEMA_VERSION:
        raise StoreConfigurationError(
            f"the lecture store's schema is version {version}, newer than this release "
            f"understands ({SCHEMA_VERSION}): upgrade lecture-pipelines, or point "
            "LECTURE_STORE_URL at another database"
        )
    for target in range(version + 1, SCHEMA_VERSION + 1):
        _MIGRATIONS[target](conn)
        conn.execute(_VERSION.update().values(version=target))
