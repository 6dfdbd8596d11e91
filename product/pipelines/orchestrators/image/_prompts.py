"""Image prompts: one chat call per segment, then a composition hint per image index."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._prompts import MAX_BRIEF_CHARS, write_prompt

if TYPE_CHECKING:
    from pipelines.models import Lecture, Segment
    from pipelines.providers import PromptProvider

__all__ = ["ImagePrompt", "build_image_prompts", "template_image_prompts"]

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
