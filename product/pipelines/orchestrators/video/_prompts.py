"""Video prompts: a starting-image prompt and a motion prompt per segment."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._prompts import MAX_BRIEF_CHARS, write_prompt

if TYPE_CHECKING:
    from pipelines.models import Lecture, Segment
    from pipelines.providers import PromptProvider

__all__ = ["VideoPrompt", "build_video_prompts", "template_video_prompts"]

SYSTEM_PROMPT = (
    "You write prompts for a short educational video clip that starts from a still image. "
    "Answer with a single prompt of at most 50 words describing the scene, with no preamble."
)


class VideoPrompt(TypedDict):
    """Prompts for one segment's starting image and its motion."""

    segment: int
    image_prompt: str
    motion_prompt: str


def template_video_prompts(lecture: Lecture) -> list[VideoPrompt]:
    """Build prompts from the visual briefs alone (no model call; the fallback path)."""
    return [_prompt(s.index, s.visual_brief) for s in lecture.segments]


async def build_video_prompts(
    lecture: Lecture, provider: PromptProvider, *, concurrency: int = 5
) -> list[VideoPrompt]:
    """Write one scene prompt per segment with the chat model.

    Raises:
        MediaGenerationError: a retryable prompt-model failure (the step retries).
    """

    async def scene(segment: Segment) -> VideoPrompt:
        text = await write_prompt(provider, SYSTEM_PROMPT, segment.visual_brief)
        return _prompt(segment.index, text)

    return await batch_with_concurrency(lecture.segments, scene, concurrency=concurrency)


def _prompt(segment: int, scene: str) -> VideoPrompt:
    scene = " ".join(scene.split())[:MAX_BRIEF_CHARS]
    return {
        "segment": segment,
        "image_prompt": f"{scene}. First frame of an educational clip, cinematic, landscape.",
        "motion_prompt": f"Slow, steady camera push-in. {scene}",
    }
