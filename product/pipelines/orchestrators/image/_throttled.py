"""The pre-Inngest batch path: every image of a lecture with bounded concurrency."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._single import AssetContext, failure_from_exception
from pipelines.orchestrators.image._generate import DEFAULT_IMAGE_SIZE, generate_single_image

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, SlotResult
    from pipelines.orchestrators.image._prompts import ImagePrompt
    from pipelines.providers import ImageProvider

__all__ = ["generate_images_throttled"]


async def generate_images_throttled(
    prompts: Sequence[ImagePrompt],
    *,
    provider: ImageProvider,
    assets: AssetStore,
    run_id: str = "batch",
    concurrency: int = 5,
    size: str = DEFAULT_IMAGE_SIZE,
) -> list[SlotResult]:
    """Generate every image with at most `concurrency` provider calls in flight.

    For callers outside Inngest: nothing retries here, so every failure, retryable or not,
    comes back as that image's ``{"ok": False, "error"}``; one bad image never stops the rest.

    Returns:
        One `SlotResult` per prompt, in the order of `prompts`.
    """

    async def one(item: ImagePrompt) -> SlotResult:
        context = AssetContext(run_id=run_id, segment=item["segment"], index=item["index"])
        result: AssetOutcome
        try:
            result = await generate_single_image(
                item["prompt"], provider=provider, assets=assets, context=context, size=size
            )
        except Exception as exc:
            result = failure_from_exception(exc, provider.name)
        return {"segment": item["segment"], "index": item["index"], "result": result}

    return await batch_with_concurrency(prompts, one, concurrency=concurrency)
