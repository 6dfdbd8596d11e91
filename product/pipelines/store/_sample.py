"""A ready-made lecture for demos and tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines._markers import SENSITIVE_MARKER
from pipelines._validation import check_lecture_id, check_positive_int
from pipelines.errors import InvalidRequestError
from pipelines.models import Lecture, Segment

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pipelines.store._protocol import LectureStore

__all__ = ["create_sample_lecture"]

_TOPICS = (
    ("Sunlight is a mix of every colour.", "White sunlight entering a glass prism"),
    ("Raindrops bend light as it enters them.", "A single raindrop refracting a light beam"),
    ("Each colour bends by a slightly different angle.", "Fan of coloured rays leaving a drop"),
    ("Light reflects off the back of the drop.", "Cross-section of a drop with a reflected ray"),
    ("We see the bow at about forty-two degrees.", "Observer, sun behind, arc of coloured light"),
    ("A second, fainter bow reverses the colours.", "Double rainbow over green hills"),
)


def create_sample_lecture(
    store: LectureStore,
    *,
    lecture_id: str = "sample-lecture",
    segments: int = 6,
    owner_user_id: str = "demo-user",
    title: str = "How rainbows form",
    sensitive_segments: Iterable[int] = (),
    replace: bool = False,
) -> Lecture:
    """Create (and return) a small lecture about rainbows.

    Args:
        store: Where to create it.
        lecture_id: Its id.
        segments: How many segments (>= 1); topics repeat with a part number past six.
        owner_user_id: The only user allowed to generate its media.
        title: Its title.
        sensitive_segments: Segment indexes whose visual brief and narration carry the
            ``[sensitive]`` marker, which makes the local provider refuse them.
        replace: Overwrite an existing lecture of the same id (and drop its assets).
    """
    check_lecture_id(lecture_id)
    check_positive_int("segments", segments)
    flagged = set(sensitive_segments)
    unknown = sorted(flagged - set(range(segments)))
    if unknown:
        raise InvalidRequestError(
            f"sensitive_segments {unknown} are outside 0..{segments - 1}: pick existing segments"
        )
    lecture = Lecture(
        id=lecture_id,
        owner_user_id=owner_user_id,
        title=title,
        segments=tuple(_segment(i, i in flagged) for i in range(segments)),
    )
    store.create_lecture(lecture, replace=replace)
    return lecture


def _segment(index: int, sensitive: bool) -> Segment:
    narration, brief = _TOPICS[index % len(_TOPICS)]
    part = index // len(_TOPICS)
    if part:
        narration, brief = f"{narration} (part {part + 1})", f"{brief}, variation {part + 1}"
    if sensitive:
        narration, brief = f"{narration} {SENSITIVE_MARKER}", f"{brief} {SENSITIVE_MARKER}"
    return Segment(index=index, narration_text=narration, visual_brief=brief)
