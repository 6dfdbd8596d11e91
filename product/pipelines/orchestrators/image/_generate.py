"""`generate_single_image`: one image, following the single-asset contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.orchestrators._single import produce_asset

if TYPE_CHECKING:
    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, GeneratedMedia
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import ImageProvider

__all__ = ["DEFAULT_IMAGE_SIZE", "generate_single_image"]

DEFAULT_IMAGE_SIZE = "1024x1024"


async def generate_single_image(
    prompt: str,
    *,
    provider: ImageProvider,
    assets: AssetStore,
    context: AssetContext,
    size: str = DEFAULT_IMAGE_SIZE,
) -> AssetOutcome:
    """Generate one image and store its bytes; never writes to the lecture store.

    Args:
        prompt: The image prompt.
        provider: The image generator.
        assets: Where the bytes go.
        context: Segment, image index, run id and attempt.
        size: ``"<width>x<height>"`` requested from the provider.

    Returns:
        ``{"ok": True, "asset", "meta"}``, or ``{"ok": False, "error"}`` for a non-retryable
        failure (sensitive content, invalid input, auth or quota).

    Raises:
        MediaGenerationError: a retryable failure (rate limit, outage, timeout), or an
            unexpected exception wrapped with code ``UNKNOWN``.
        inngest.RetryAfterError: the provider asked to wait a given delay.
    """

    async def produce() -> GeneratedMedia:
        return await provider.generate_image(prompt, size=size)

    return await produce_asset(
        produce, provider=provider, assets=assets, context=context, meta={"size": size}
    )
