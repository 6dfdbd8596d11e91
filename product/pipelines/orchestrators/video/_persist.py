"""Persisting starting images and videos through the one merge path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.models import AssetKind, MergeSummary
from pipelines.store import update_lecture_content

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.models import SlotResult
    from pipelines.store import LectureStore

__all__ = ["persist_videos"]


def persist_videos(
    store: LectureStore,
    lecture_id: str,
    start_images: Sequence[SlotResult],
    videos: Sequence[SlotResult],
    *,
    force: bool = False,
) -> MergeSummary:
    """Merge starting images and videos into the lecture; returns the combined summary."""
    first = update_lecture_content(
        store, lecture_id, AssetKind.START_IMAGE, start_images, force=force
    )
    second = update_lecture_content(store, lecture_id, AssetKind.VIDEO, videos, force=force)
    return MergeSummary(
        written=first["written"] + second["written"], kept=first["kept"] + second["kept"]
    )
