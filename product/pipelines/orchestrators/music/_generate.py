"""`generate_single_music`: the lecture's one music track."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.orchestrators._single import produce_asset

if TYPE_CHECKING:
    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, GeneratedMedia
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import MusicProvider

__all__ = ["DEFAULT_MUSIC_SECONDS", "generate_single_music"]

DEFAULT_MUSIC_SECONDS = 30


async def generate_single_music(
    prompt: str,
    *,
    provider: MusicProvider,
    assets: AssetStore,
    context: AssetContext,
    duration_seconds: int = DEFAULT_MUSIC_SECONDS,
) -> AssetOutcome:
    """Generate the music track and store its audio.

    Follows the single-asset contract of `generate_single_image`.
    """

    async def produce() -> GeneratedMedia:
        return await provider.generate_music(prompt, duration_seconds=duration_seconds)

    meta = {"duration_seconds": duration_seconds}
    return await produce_asset(
        produce, provider=provider, assets=assets, context=context, meta=meta
    )
