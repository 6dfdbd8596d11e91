"""Narration audio: the input text and the single-narration helper."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.errors import InvalidRequestError
from pipelines.orchestrators._single import produce_asset

if TYPE_CHECKING:
    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, GeneratedMedia, Segment
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import SpeechProvider

__all__ = [
    "DEFAULT_VOICE",
    "MAX_NARRATION_CHARS",
    "generate_single_narration",
    "narration_text",
]


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


DEFAULT_VOICE = "alloy"


async def generate_single_narration(
    text: str,
    *,
    provider: SpeechProvider,
    assets: AssetStore,
    context: AssetContext,
    voice: str = DEFAULT_VOICE,
) -> AssetOutcome:
    """Synthesize narration for one segment and store the audio.

    Follows the single-asset contract of `generate_single_image`: a result dict for
    success or non-retryable failure, an exception for anything worth retrying.
    """

    async def produce() -> GeneratedMedia:
        return await provider.synthesize(text, voice=voice)

    return await produce_asset(
        produce, provider=provider, assets=assets, context=context, meta={"voice": voice}
    )
