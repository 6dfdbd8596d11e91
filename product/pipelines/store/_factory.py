"""`open_store`: pick a lecture store implementation from a database URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import sqlalchemy as sa

from pipelines.errors import StoreConfigurationError
from pipelines.store._sql import SqliteLectureStore, SqlLectureStore

if TYPE_CHECKING:
    from pipelines.store._protocol import LectureStore

__all__ = ["open_store"]

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg"}


def open_store(url: str) -> LectureStore:
    """Open the lecture store a URL names, creating or migrating its schema.

    Args:
        url: ``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path.sqlite3``
            (SQLAlchemy's convention: three slashes then the path), or
            ``postgresql://user:password@host:5432/dbname`` (also ``postgres://`` and
            ``postgresql+psycopg://``; the driver is psycopg 3).

    Raises:
        StoreConfigurationError: the scheme is unsupported, the URL has no file path or
            database name, or the database cannot be reached.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in _POSTGRES_SCHEMES:
        return _postgres(url)
    if scheme.startswith("postgres"):
        raise StoreConfigurationError(
            f"{scheme}:// is not supported: the PostgreSQL store uses psycopg 3, so write "
            "postgresql://user:password@host:5432/dbname"
        )
    if scheme != "sqlite":
        raise StoreConfigurationError(
            f"unsupported lecture store URL {url!r}: use sqlite:///path/to/lectures.sqlite3 "
            "or postgresql://user:password@host:5432/dbname"
        )
    if parsed.netloc:
        raise StoreConfigurationError(
            f"sqlite URL {url!r} has a host part {parsed.netloc!r}: write sqlite:///relative.db "
            "or sqlite:////absolute/path.db"
        )
    # urlparse keeps the leading '/' of the path part: sqlite:///a.db -> "/a.db" (relative).
    path = unquote(parsed.path)[1:]
    if not path or path == ":memory:":
        raise StoreConfigurationError(
            f"sqlite URL {url!r} names no database file: the store needs a file so several "
            "processes and steps see the same data, e.g. sqlite:///.lecture-media/lectures.sqlite3"
        )
    return SqliteLectureStore(Path(path))


def _postgres(url: str) -> SqlLectureStore:
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreConfigurationError(f"malformed PostgreSQL URL: {exc}") from None
    if not parsed.database:
        raise StoreConfigurationError(
            f"PostgreSQL URL {parsed.render_as_string(hide_password=True)!r} names no "
            "database: write postgresql://user:password@host:5432/dbname"
        )
    # Liveness check on checkout: a pooled connection the server dropped is replaced
    # instead of failing the step that happened to get it.
    return SqlLectureStore(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True)
