"""Lecture persistence: the `LectureStore` interface, one SQLAlchemy implementation for
SQLite (the embedded default) and PostgreSQL, and the merge rule."""

from __future__ import annotations

from pipelines.store._factory import open_store
from pipelines.store._merge import update_lecture_content
from pipelines.store._protocol import LectureStore
from pipelines.store._sample import create_sample_lecture
from pipelines.store._sql import SqliteLectureStore, SqlLectureStore

__all__ = [
    "LectureStore",
    "SqlLectureStore",
    "SqliteLectureStore",
    "create_sample_lecture",
    "open_store",
    "update_lecture_content",
]
