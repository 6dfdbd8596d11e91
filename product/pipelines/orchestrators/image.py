"""Images: prompts, the single-image helper, and the batch path (outside Inngest)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._prompts import MAX_BRIEF_CHARS, write_prompt
from pipelines.orchestrators._single import AssetContext, failure_from_exception, produce_asset

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, GeneratedMedia, Lecture, Segment, SlotResult
    from pipelines.providers import ImageProvider, PromptProvider

__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "ImagePrompt",
    "build_image_prompts",
    "generate_images_throttled",
    "generate_single_image",
    "template_image_prompts",
]


SYSTEM_PROMPT = (
    "You write prompts for an image model that illustrates one segment of a lecture. "
    "Answer with a single prompt of at most 60 words describing the scene, with no preamble."
)
# Varying composition per index keeps the images of one segment from being near-duplicates.
_COMPOSITIONS = (
    "wide establishing shot",
    "close-up on the key detail",
    "clean diagram-style view",
    "view from an unusual angle",
)


class ImagePrompt(TypedDict):
    """The prompt for image `index` of `segment`."""

    segment: int
    index: int
    prompt: str


def template_image_prompts(lecture: Lecture, images_per_segment: int) -> list[ImagePrompt]:
    """Build prompts from the visual briefs alone (no model call; the fallback path)."""
    return [
        _prompt(lecture.title, segment.index, index, segment.visual_brief)
        for segment in lecture.segments
        for index in range(images_per_segment)
    ]


async def build_image_prompts(
    lecture: Lecture,
    images_per_segment: int,
    provider: PromptProvider,
    *,
    concurrency: int = 5,
) -> list[ImagePrompt]:
    """Write one base prompt per segment with the chat model, then vary it per image.

    Raises:
        MediaGenerationError: a retryable prompt-model failure (the step retries).
    """

    async def base(segment: Segment) -> str:
        return await write_prompt(provider, SYSTEM_PROMPT, segment.visual_brief)

    bases = await batch_with_concurrency(lecture.segments, base, concurrency=concurrency)
    return [
        _prompt(lecture.title, segment.index, index, text)
        for segment, text in zip(lecture.segments, bases, strict=True)
        for index in range(images_per_segment)
    ]


def _prompt(title: str, segment: int, index: int, base: str) -> ImagePrompt:
    composition = _COMPOSITIONS[index % len(_COMPOSITIONS)]
    base = " ".join(base.split())[:MAX_BRIEF_CHARS]
    text = f"{base}. {composition}. Educational illustration for the lecture '{title[:120]}'."
    return {"segment": segment, "index": index, "prompt": text}


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
