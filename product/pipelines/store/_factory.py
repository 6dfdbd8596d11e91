"""`open_store`: pick a lecture store implementation from a database URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.errors import StoreConfigurationError
from pipelines.store._sqlite import SqliteLectureStore

if TYPE_CHECKING:
    from pipelines.store._protocol import LectureStore

__all__ = ["open_store"]

_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg", "postgresql+asyncpg"}


def open_store(url: str) -> LectureStore:
    """Open the lecture store a URL names.

    Args:
        url: ``sqlite:///relative/path.sqlite3`` or ``sqlite:////absolute/path.sqlite3``
            (SQLAlchemy's convention: three slashes then the path).

    Raises:
        StoreConfigurationError: the scheme is unsupported (PostgreSQL is not built in) or
            the URL has no file path.
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in _POSTGRES_SCHEMES:
        raise StoreConfigurationError(
            f"{scheme}:// URLs need a PostgreSQL lecture store, which this package does not "
            "include yet: implement the LectureStore protocol (pipelines.store.LectureStore) "
            "and pass it to Services(store=...), or use sqlite:///path/to/lectures.sqlite3"
        )
    if scheme != "sqlite":
        raise StoreConfigurationError(
            f"unsupported lecture store URL {url!r}: use sqlite:///path/to/lectures.sqlite3"
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
