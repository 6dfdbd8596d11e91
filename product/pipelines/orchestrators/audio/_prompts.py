"""Narration input: the segment's own text, normalised (no model writes it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.errors import InvalidRequestError

if TYPE_CHECKING:
    from pipelines.models import Segment

__all__ = ["MAX_NARRATION_CHARS", "narration_text"]

# OpenAI's speech endpoint rejects inputs over 4,096 characters.
MAX_NARRATION_CHARS = 4_096


def narration_text(segment: Segment) -> str:
    """Return the text to read for `segment`, whitespace-normalised.

    Raises:
        InvalidRequestError: the text is empty or longer than the speech API accepts.
    """
    text = " ".join(segment.narration_text.split())
    if not text:
        raise InvalidRequestError(f"segment {segment.index} has no narration text: write some")
    if len(text) > MAX_NARRATION_CHARS:
        raise InvalidRequestError(
            f"segment {segment.index} narration is {len(text):,} characters; the limit is "
            f"{MAX_NARRATION_CHARS:,}: split the segment"
        )
    return text
