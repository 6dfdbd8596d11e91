"""Persisting the music result through the one merge path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.models import AssetKind
from pipelines.store import update_lecture_content

if TYPE_CHECKING:
    from pipelines.models import AssetOutcome, MergeSummary, SlotResult
    from pipelines.store import LectureStore

__all__ = ["persist_music"]


def persist_music(
    store: LectureStore, lecture_id: str, result: AssetOutcome, *, force: bool = False
) -> MergeSummary:
    """Merge the music result into the lecture, at segment 0, index 0."""
    slot: SlotResult = {"segment": 0, "index": 0, "result": result}
    return update_lecture_content(store, lecture_id, AssetKind.MUSIC, [slot], force=force)
