"""Videos: prompts, starting images, and the start/poll render helpers."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypedDict

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._prompts import MAX_BRIEF_CHARS, write_prompt
from pipelines.orchestrators._render import (
    RenderPoll,
    RenderStarted,
    poll_render,
    render_timeout,
    start_render,
    wait_for_render,
)
from pipelines.orchestrators._single import produce_asset
from pipelines.providers import StartingImage

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.assets import AssetStore
    from pipelines.models import (
        AssetFailure,
        AssetOutcome,
        AssetRef,
        GeneratedMedia,
        Lecture,
        Segment,
    )
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import ImageProvider, PromptProvider, VideoProvider

__all__ = [
    "DEFAULT_START_IMAGE_SIZE",
    "VideoPoll",
    "VideoPrompt",
    "VideoStarted",
    "build_video_prompts",
    "generate_single_starting_image",
    "generate_single_video",
    "poll_single_video",
    "render_timeout",
    "start_single_video",
    "starting_image",
    "template_video_prompts",
]


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


DEFAULT_START_IMAGE_SIZE = "1792x1024"
# The names of earlier releases.
VideoStarted = RenderStarted
VideoPoll = RenderPoll


async def generate_single_starting_image(
    prompt: str,
    *,
    provider: ImageProvider,
    assets: AssetStore,
    context: AssetContext,
    size: str = DEFAULT_START_IMAGE_SIZE,
) -> AssetOutcome:
    """Generate the still a segment's video starts from (landscape by default)."""

    async def produce() -> GeneratedMedia:
        return await provider.generate_image(prompt, size=size)

    meta = {"size": size, "role": "start_image"}
    return await produce_asset(
        produce, provider=provider, assets=assets, context=context, meta=meta
    )


def starting_image(ref: AssetRef, assets: AssetStore) -> StartingImage:
    """How a provider gets a stored starting image: a presigned URL when the store signs
    them (a remote provider fetches it itself), and the bytes on demand."""
    return StartingImage(
        mime_type=ref["mime_type"], url=assets.url_for(ref), load=lambda: assets.read(ref)
    )


async def start_single_video(
    prompt: str,
    starting_image_ref: AssetRef,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
) -> RenderStarted | AssetFailure:
    """Start a render from a stored starting image; return its id or a failure record."""

    async def start() -> str:
        image = await asyncio.to_thread(starting_image, starting_image_ref, assets)
        return await provider.start_video(prompt, image)

    return await start_render(start, provider=provider, context=context)


async def poll_single_video(
    prediction_id: str,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
) -> RenderPoll:
    """Poll a render once; when it finished, store the video and return its outcome."""
    return await poll_render(
        lambda: provider.poll_video(prediction_id),
        provider=provider,
        assets=assets,
        context=context,
        meta={"prediction_id": prediction_id},
    )


async def generate_single_video(
    prompt: str,
    starting_image_ref: AssetRef,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
    max_polls: int = 10,
    poll_interval: float = 10.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AssetOutcome:
    """Start a render and poll it in-process until it finishes or `max_polls` run out.

    For callers outside Inngest; the Inngest function runs `start_single_video` and
    `poll_single_video` as separate steps instead, so no step blocks for minutes.
    """
    started = await start_single_video(
        prompt, starting_image_ref, provider=provider, assets=assets, context=context
    )

    async def poll(prediction_id: str) -> RenderPoll:
        return await poll_single_video(
            prediction_id, provider=provider, assets=assets, context=context
        )

    return await wait_for_render(
        started,
        poll,
        provider=provider.name,
        max_polls=max_polls,
        poll_interval=poll_interval,
        sleep=sleep,
    )
