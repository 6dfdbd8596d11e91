"""`generate_single_narration`: one segment's narration audio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.orchestrators._single import produce_asset

if TYPE_CHECKING:
    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, GeneratedMedia
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import SpeechProvider

__all__ = ["DEFAULT_VOICE", "generate_single_narration"]

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
