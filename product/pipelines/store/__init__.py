"""Lecture persistence: the `LectureStore` interface, its SQLite default, and the merge rule."""

from __future__ import annotations

from pipelines.store._factory import open_store
from pipelines.store._merge import update_lecture_content
from pipelines.store._protocol import LectureStore
from pipelines.store._sample import create_sample_lecture
from pipelines.store._sqlite import SqliteLectureStore

__all__ = [
    "LectureStore",
    "SqliteLectureStore",
    "create_sample_lecture",
    "open_store",
    "update_lecture_content",
]
