"""``generate-segment-videos``: a starting image, then a polled video render, per segment.

Stored starting images are reused by a rerun (not paid again); a segment whose starting
image failed gets no render, and records why. A render still running after P polls is a
``TIMEOUT`` failure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.kit import RENDER_FORMULA, Phase, Pipeline, Prepare, render_steps, slot_key
from pipelines.models import AssetKind
from pipelines.orchestrators.video import (
    build_video_prompts,
    generate_single_starting_image,
    poll_single_video,
    start_single_video,
    template_video_prompts,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.kit import AssetJob, Slot
    from pipelines.models import AssetFailure, AssetOutcome, Lecture
    from pipelines.orchestrators import RenderPoll, RenderStarted
    from pipelines.orchestrators.video import VideoPrompt
    from pipelines.services import Services

__all__ = ["VIDEOS"]


def _by_slot(prompts: list[VideoPrompt]) -> dict[str, Any]:
    return {slot_key((p["segment"], 0)): p for p in prompts}


async def _prompts(lecture: Lecture, _slots: list[Slot], services: Services) -> dict[str, Any]:
    return _by_slot(
        await build_video_prompts(lecture, services.prompts, concurrency=services.chunk_size)
    )


def _templates(lecture: Lecture, _slots: list[Slot], _services: Services) -> dict[str, Any]:
    return _by_slot(template_video_prompts(lecture))


async def _start_image(job: AssetJob) -> AssetOutcome:
    services = job.services

    async def body() -> AssetOutcome:
        return await generate_single_starting_image(
            job.prepared["image_prompt"],
            provider=services.images,
            assets=services.assets,
            context=job.context(),
        )

    return await job.step(body)


async def _video(job: AssetJob) -> AssetOutcome:
    services = job.services
    image = job.previous
    assert image is not None  # the kit runs this phase only after a starting image

    async def start() -> RenderStarted | AssetFailure:
        return await start_single_video(
            job.prepared["motion_prompt"],
            image,
            provider=services.video,
            assets=services.assets,
            context=job.context(),
        )

    def poll(prediction_id: str) -> Callable[[], Awaitable[RenderPoll]]:
        async def body() -> RenderPoll:
            return await poll_single_video(
                prediction_id,
                provider=services.video,
                assets=services.assets,
                context=job.context(),
            )

        return body

    # Sequential steps inside one parallel callable: each round is a sleep plus a short
    # poll, so no step ever blocks while the provider renders.
    return await job.render("video", start, poll, provider=services.video.name)


VIDEOS = Pipeline(
    function_id="generate-segment-videos",
    trigger="lecture/videos.requested",
    topic="videos",
    prepare=Prepare(build=_prompts, fallback=_templates, read_list=_by_slot),
    phases=(
        Phase(
            name="start-image",
            kind=AssetKind.START_IMAGE,
            provider=lambda services: services.images,
            make=_start_image,
        ),
        Phase(
            name="video",
            kind=AssetKind.VIDEO,
            provider=lambda services: services.video,
            make=_video,
            steps_per_asset=render_steps,
            per_asset_formula=RENDER_FORMULA,
        ),
    ),
)
