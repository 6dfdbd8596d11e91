"""Persisting image results through the one merge path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.models import AssetKind
from pipelines.store import update_lecture_content

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.models import MergeSummary, SlotResult
    from pipelines.store import LectureStore

__all__ = ["persist_images"]


def persist_images(
    store: LectureStore, lecture_id: str, results: Sequence[SlotResult], *, force: bool = False
) -> MergeSummary:
    """Merge image results into the lecture (see `update_lecture_content`)."""
    return update_lecture_content(store, lecture_id, AssetKind.IMAGE, results, force=force)
