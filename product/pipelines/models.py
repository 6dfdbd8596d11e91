"""Data shapes shared by providers, orchestrators, stores and Inngest functions.

Everything a step returns is one of the TypedDicts below: plain JSON, small, and carrying
references to asset bytes (never the bytes), so step outputs stay far below Inngest's
4 MiB per-step limit.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import Literal, TypeAlias, TypedDict

from pipelines.errors import InvalidRequestError

__all__ = [
    "AssetError",
    "AssetFailure",
    "AssetKind",
    "AssetOutcome",
    "AssetRecord",
    "AssetRef",
    "AssetSuccess",
    "GeneratedMedia",
    "Lecture",
    "LectureJSON",
    "MergeSummary",
    "Segment",
    "SegmentJSON",
    "SlotResult",
    "asset_kinds",
    "check_asset_kind",
    "register_asset_kind",
]


class AssetKind(enum.StrEnum):
    """The built-in kinds of asset a lecture holds; the `kind` column of the assets table.

    The column is free text: a new pipeline adds its kind with `register_asset_kind` (a
    `pipelines.kit.Phase` does it when declared), and every store call accepts a plain
    string for it.
    """

    IMAGE = "image"
    NARRATION = "narration"
    MUSIC = "music"
    START_IMAGE = "start_image"
    VIDEO = "video"


_KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KINDS: set[str] = {kind.value for kind in AssetKind}


def register_asset_kind(kind: str) -> str:
    """Make `kind` a known asset kind (idempotent) and return it.

    Raises:
        InvalidRequestError: `kind` is not 1-40 lowercase letters, digits or ``_``,
            starting with a letter.
    """
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise InvalidRequestError(
            f"asset kind {kind!r} is not a name: use 1-40 lowercase letters, digits or '_', "
            "starting with a letter, e.g. 'subtitle'"
        )
    _KINDS.add(kind)
    return kind


def asset_kinds() -> frozenset[str]:
    """Every known asset kind: the built-in ones and those registered since."""
    return frozenset(_KINDS)


def check_asset_kind(kind: str) -> str:
    """Return `kind` as a plain string if it is known.

    Raises:
        InvalidRequestError: an unknown kind (the message lists the known ones).
    """
    value = str(kind)
    if value not in _KINDS:
        allowed = ", ".join(repr(k) for k in sorted(_KINDS))
        raise InvalidRequestError(
            f"unknown asset kind {kind!r}: use one of {allowed}, or declare it with "
            "pipelines.models.register_asset_kind"
        )
    return value


class AssetRef(TypedDict):
    """Where an asset's bytes live, and how to check them."""

    uri: str
    sha256: str
    size: int
    mime_type: str


class AssetError(TypedDict):
    """Why an asset is missing, in a form a UI can show."""

    code: str
    message: str
    user_action_required: bool
    provider: str


class AssetSuccess(TypedDict):
    """A generated asset: its reference plus provider metadata."""

    ok: Literal[True]
    asset: AssetRef
    meta: dict[str, object]


class AssetFailure(TypedDict):
    """A recorded, non-retryable (or retries-exhausted) failure for one asset."""

    ok: Literal[False]
    error: AssetError


AssetOutcome: TypeAlias = AssetSuccess | AssetFailure


class SlotResult(TypedDict):
    """One asset's outcome at its place in the lecture (segment, index)."""

    segment: int
    index: int
    result: AssetOutcome


class MergeSummary(TypedDict):
    """What `update_lecture_content` did: rows written, and successes it refused to replace."""

    written: int
    kept: int


class SegmentJSON(TypedDict):
    """JSON form of `Segment`, as it travels through step outputs."""

    index: int
    narration_text: str
    visual_brief: str


class LectureJSON(TypedDict):
    """JSON form of `Lecture`, as it travels through step outputs."""

    id: str
    owner_user_id: str
    title: str
    segments: list[SegmentJSON]


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    """One ordered part of a lecture: what is said and what is shown."""

    index: int
    narration_text: str
    visual_brief: str

    def to_json(self) -> SegmentJSON:
        """Return the JSON form used in step outputs."""
        return {
            "index": self.index,
            "narration_text": self.narration_text,
            "visual_brief": self.visual_brief,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Lecture:
    """A lecture and its ordered segments."""

    id: str
    owner_user_id: str
    title: str
    segments: tuple[Segment, ...]

    def to_json(self) -> LectureJSON:
        """Return the JSON form used in step outputs."""
        return {
            "id": self.id,
            "owner_user_id": self.owner_user_id,
            "title": self.title,
            "segments": [segment.to_json() for segment in self.segments],
        }

    @classmethod
    def from_json(cls, data: LectureJSON) -> Lecture:
        """Rebuild a lecture from `to_json` output (e.g. a memoized step result)."""
        segments = tuple(
            Segment(s["index"], s["narration_text"], s["visual_brief"]) for s in data["segments"]
        )
        return cls(data["id"], data["owner_user_id"], data["title"], segments)


@dataclasses.dataclass(frozen=True, slots=True)
class AssetRecord:
    """A stored asset row: one (lecture, kind, segment, index) and its latest outcome."""

    lecture_id: str
    kind: str
    segment: int
    index: int
    result: AssetOutcome

    @property
    def ok(self) -> bool:
        """Whether the stored outcome is a success."""
        return self.result["ok"]


@dataclasses.dataclass(frozen=True, slots=True)
class GeneratedMedia:
    """Bytes a provider produced, before they go to the asset store."""

    data: bytes = dataclasses.field(repr=False)
    mime_type: str
    model: str
