"""`update_lecture_content`: the one write path for generated assets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines._validation import check_lecture_id
from pipelines.errors import InvalidRequestError, LectureNotFoundError
from pipelines.models import AssetKind, check_asset_kind

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.models import MergeSummary, SlotResult
    from pipelines.store._protocol import LectureStore

__all__ = ["update_lecture_content"]


def update_lecture_content(
    store: LectureStore,
    lecture_id: str,
    kind: str,
    results: Sequence[SlotResult],
    *,
    force: bool = False,
) -> MergeSummary:
    """Merge per-asset results into the lecture, idempotently.

    Rows are keyed by (lecture, kind, segment, index), so a step that Inngest runs twice
    writes the same row twice and never duplicates an asset. A failure never replaces an
    earlier success unless `force` is True (the user asked to regenerate).

    Args:
        store: The lecture store.
        lecture_id: The lecture the results belong to.
        kind: The asset kind: a built-in `AssetKind` or one registered with
            `pipelines.models.register_asset_kind`.
        results: One `SlotResult` per asset.
        force: Let failures replace successes.

    Returns:
        How many rows were written, and how many stored successes were kept.

    Raises:
        LectureNotFoundError: the lecture does not exist.
        InvalidRequestError: a result names a segment the lecture does not have, or an
            unknown kind.
    """
    check_lecture_id(lecture_id)
    asset_kind = check_asset_kind(kind)
    lecture = store.get_lecture(lecture_id)
    if lecture is None:
        raise LectureNotFoundError(
            f"lecture {lecture_id!r} does not exist: create it before storing its assets"
        )
    segment_ids = {segment.index for segment in lecture.segments}
    for item in results:
        _check_slot(item, asset_kind, segment_ids)
    return store.merge_assets(lecture_id, asset_kind, results, force=force)


def _check_slot(item: SlotResult, kind: str, segment_ids: set[int]) -> None:
    segment, index = item["segment"], item["index"]
    # Music belongs to the whole lecture; it is stored at (0, 0) by convention.
    if kind == AssetKind.MUSIC and (segment, index) != (0, 0):
        raise InvalidRequestError(
            f"music is stored at segment 0, index 0, got ({segment}, {index})"
        )
    if kind != AssetKind.MUSIC and segment not in segment_ids:
        raise InvalidRequestError(
            f"segment {segment} is not part of the lecture (segments: {sorted(segment_ids)})"
        )
    if index < 0:
        raise InvalidRequestError(f"asset index must be >= 0, got {index}")
