"""Boundary checks: every malformed input stops here with a message naming the fix."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from pipelines.errors import InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pipelines.models import Lecture

__all__ = [
    "GenerationRequest",
    "check_lecture",
    "check_lecture_id",
    "check_positive_int",
    "parse_request",
]

# Ids end up in SQL parameters and log lines, never in paths, but rejecting path characters
# up front means a future file layout keyed by lecture id cannot be escaped either.
_LECTURE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


@dataclasses.dataclass(frozen=True, slots=True)
class GenerationRequest:
    """The validated data of a ``lecture/*.requested`` event."""

    lecture_id: str
    user_id: str
    force: bool = False
    request_id: str | None = None


def check_lecture_id(value: object) -> str:
    """Return `value` if it is a safe lecture id, else raise `InvalidRequestError`."""
    if not isinstance(value, str):
        raise InvalidRequestError(
            f"lecture_id must be a string, got {value!r} (type={type(value).__name__})"
        )
    if not _LECTURE_ID_RE.match(value):
        raise InvalidRequestError(
            f"lecture_id {value!r} is not valid: use 1-128 letters, digits, '-' or '_', "
            "starting with a letter or digit (path characters such as '/', '\\' or '..' "
            "are not allowed)"
        )
    return value


def check_lecture(lecture: Lecture) -> None:
    """Raise `InvalidRequestError` unless `lecture` can be stored and generated."""
    check_lecture_id(lecture.id)
    if not isinstance(lecture.owner_user_id, str) or not lecture.owner_user_id.strip():
        raise InvalidRequestError(
            f"lecture {lecture.id!r} needs a non-empty owner_user_id (who may generate it)"
        )
    indexes = [segment.index for segment in lecture.segments]
    for index in indexes:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidRequestError(
                f"lecture {lecture.id!r} has segment index {index!r}: use integers >= 0"
            )
    if len(set(indexes)) != len(indexes):
        duplicates = sorted({i for i in indexes if indexes.count(i) > 1})
        raise InvalidRequestError(
            f"lecture {lecture.id!r} repeats segment indexes {duplicates}: make them unique"
        )


def check_positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return `value` if it is an int >= `minimum`, else raise `InvalidRequestError`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(
            f"{name} must be an integer, got {value!r} (type={type(value).__name__})"
        )
    if value < minimum:
        raise InvalidRequestError(f"{name} must be >= {minimum}, got {value}")
    return value


def parse_request(data: Mapping[str, object]) -> GenerationRequest:
    """Validate event data ``{"lecture_id", "user_id", "force"?, "request_id"?}``.

    ``request_id`` (optional) names one user action, e.g. one click of "generate": the
    functions run once per lecture and request id (Inngest idempotency), so a request
    sent twice costs once.

    Raises:
        InvalidRequestError: naming the missing or malformed field and the expected shape.
    """
    if "lecture_id" not in data:
        raise InvalidRequestError(
            "event data has no 'lecture_id': send "
            '{"lecture_id": "<id>", "user_id": "<id>", "force": false}'
        )
    lecture_id = check_lecture_id(data["lecture_id"])
    user_id = data.get("user_id")
    if not isinstance(user_id, str) or not user_id.strip():
        raise InvalidRequestError(
            f"event data needs a non-empty string 'user_id' (the user asking for generation), "
            f"got {user_id!r}"
        )
    force = data.get("force", False)
    if not isinstance(force, bool):
        raise InvalidRequestError(
            f"'force' must be true or false, got {force!r} (type={type(force).__name__})"
        )
    request_id = data.get("request_id")
    if request_id is not None and (
        not isinstance(request_id, str) or not _REQUEST_ID_RE.match(request_id)
    ):
        raise InvalidRequestError(
            f"'request_id' must be 1-128 letters, digits, '-', '_' or '.', got {request_id!r}"
        )
    return GenerationRequest(
        lecture_id=lecture_id, user_id=user_id, force=force, request_id=request_id
    )
