"""The lecture store interface the pipelines depend on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.models import AssetRecord, Lecture, MergeSummary, SlotResult

__all__ = ["LectureStore"]


@runtime_checkable
class LectureStore(Protocol):
    """Lectures, their segments, and one row per generated asset.

    Implementations must make `merge_assets` atomic and idempotent: the same results merged
    twice leave the same rows, and a failure never replaces a success unless `force` is set.
    Methods are synchronous and short; the Inngest functions call them from a worker thread.
    """

    def create_lecture(self, lecture: Lecture, *, replace: bool = False) -> None:
        """Insert `lecture`; with `replace`, drop any lecture of that id (and its assets) first."""
        ...

    def get_lecture(self, lecture_id: str) -> Lecture | None:
        """Return the lecture, or None when the id is unknown."""
        ...

    def list_assets(self, lecture_id: str, kind: str | None = None) -> list[AssetRecord]:
        """Return the stored asset rows of a lecture, ordered by kind, segment, index."""
        ...

    def merge_assets(
        self,
        lecture_id: str,
        kind: str,
        results: Sequence[SlotResult],
        *,
        force: bool = False,
    ) -> MergeSummary:
        """Upsert per-asset results keyed by (lecture, kind, segment, index)."""
        ...
