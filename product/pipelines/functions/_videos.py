"""``generate-segment-videos``: a starting image, then a polled video render, per segment.

Steps (S segments, C chunk size, P max polls), at most ``3 + 2*S + 2*S*P + 2*ceil(S/C)``:
``validate``, ``prompts``; phase 1: ``start-image-{segment}`` per segment and
``progress-start-images-{chunk}`` per chunk; phase 2, for each segment whose image succeeded:
``video-start-{segment}``, then up to P rounds of ``video-wait-{segment}-{n}`` (a
`step.sleep`) and ``video-poll-{segment}-{n}``, and ``progress-videos-{chunk}`` per chunk;
finally ``persist-videos``. A render still running after P polls is a ``TIMEOUT`` failure.
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any

import inngest

from pipelines import limits
from pipelines.errors import MediaGenerationError
from pipelines.functions._chunks import Progress, guarded_step, run_in_chunks, slot_result
from pipelines.functions._plan import Plan, plan_generation
from pipelines.functions._summary import skipped, summarize
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext, failure, failure_from_step_error
from pipelines.orchestrators.video import (
    VideoPrompt,
    build_video_prompts,
    generate_single_starting_image,
    persist_videos,
    poll_single_video,
    render_timeout,
    start_single_video,
    template_video_prompts,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.models import AssetFailure, AssetOutcome, AssetRef, MergeSummary, SlotResult
    from pipelines.orchestrators.video import VideoPoll, VideoStarted
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_videos_function"]

FUNCTION_ID = "generate-segment-videos"
TRIGGER = "lecture/videos.requested"


def build_videos_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-segment-videos`` function bound to `services`."""

    @client.create_function(
        fn_id=FUNCTION_ID,
        trigger=inngest.TriggerEvent(event=TRIGGER),
        retries=services.retries,
    )
    async def generate_segment_videos(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, "videos")
        lecture = Lecture.from_json(plan["lecture"])
        segments = [s for s, _ in plan["slots"]]
        prompts = await _prompts(ctx, services, lecture, segments)

        def progress(prefix: str) -> Progress:
            return Progress(client, services.publish, lecture.id, "videos", prefix, len(segments))

        images = await run_in_chunks(
            ctx,
            [_start_image_call(ctx, services, prompts[s]) for s in segments],
            chunk_size=services.chunk_size,
            progress=progress("progress-start-images"),
        )
        videos = await run_in_chunks(
            ctx,
            [_video_call(ctx, services, prompts[i["segment"]], i) for i in images],
            chunk_size=services.chunk_size,
            progress=progress("progress-videos"),
        )

        async def persist() -> MergeSummary:
            return await asyncio.to_thread(
                persist_videos, services.store, lecture.id, images, videos, force=plan["force"]
            )

        persisted = await ctx.step.run("persist-videos", persist)
        return summarize(lecture.id, "videos", videos, persisted)

    return generate_segment_videos


def _validate(ctx: inngest.Context, services: Services) -> Callable[[], Awaitable[Plan]]:
    def budget(lecture: Lecture) -> None:
        segments, chunk, polls = len(lecture.segments), services.chunk_size, services.max_polls
        limits.check_step_budget(
            FUNCTION_ID,
            limits.VIDEOS_FORMULA,
            limits.step_count_videos(segments, chunk, polls),
            f"S={segments}, C={chunk}, P={polls}",
        )

    async def validate() -> Plan:
        return await asyncio.to_thread(
            plan_generation,
            services,
            ctx.event.data,
            kind=AssetKind.VIDEO,
            slots_of=lambda lecture: [(s.index, 0) for s in lecture.segments],
            check_budget=budget,
        )

    return validate


async def _prompts(
    ctx: inngest.Context, services: Services, lecture: Lecture, segments: list[int]
) -> dict[int, VideoPrompt]:
    wanted = set(segments)
    subset = dataclasses.replace(
        lecture, segments=tuple(s for s in lecture.segments if s.index in wanted)
    )

    async def write() -> list[VideoPrompt]:
        return await build_video_prompts(subset, services.prompts, concurrency=services.chunk_size)

    try:
        prompts = await ctx.step.run("prompts", write)
    except inngest.StepError:
        # The prompt model is a nicety: the briefs themselves still make usable prompts.
        prompts = template_video_prompts(subset)
    return {p["segment"]: p for p in prompts}


def _context(ctx: inngest.Context, services: Services, segment: int) -> AssetContext:
    return AssetContext(
        run_id=ctx.run_id, segment=segment, attempt=ctx.attempt, max_attempts=services.max_attempts
    )


def _start_image_call(
    ctx: inngest.Context, services: Services, prompt: VideoPrompt
) -> Callable[[], Awaitable[SlotResult]]:
    segment = prompt["segment"]

    async def generate() -> AssetOutcome:
        return await generate_single_starting_image(
            prompt["image_prompt"],
            provider=services.images,
            assets=services.assets,
            context=_context(ctx, services, segment),
        )

    return guarded_step(
        ctx,
        f"start-image-{segment}",
        generate,
        segment=segment,
        index=0,
        provider=services.images.name,
    )


def _video_call(
    ctx: inngest.Context, services: Services, prompt: VideoPrompt, image: SlotResult
) -> Callable[[], Awaitable[SlotResult]]:
    segment, start = image["segment"], image["result"]

    async def call() -> SlotResult:
        if not start["ok"]:
            return slot_result(segment, 0, _no_starting_image(start))
        try:
            result = await _render(ctx, services, segment, prompt["motion_prompt"], start["asset"])
        except inngest.StepError as err:
            result = failure_from_step_error(err, services.video.name)
        return slot_result(segment, 0, result)

    return call


async def _render(
    ctx: inngest.Context, services: Services, segment: int, prompt: str, image: AssetRef
) -> AssetOutcome:
    # Sequential steps inside one parallel callable: each round is a sleep plus a short poll,
    # so no step ever blocks while the provider renders.
    async def start() -> VideoStarted | AssetFailure:
        return await start_single_video(
            prompt,
            image,
            provider=services.video,
            assets=services.assets,
            context=_context(ctx, services, segment),
        )

    started = await ctx.step.run(f"video-start-{segment}", start)
    if not started["ok"]:
        return started
    prediction_id = started["prediction_id"]

    async def poll() -> VideoPoll:
        return await poll_single_video(
            prediction_id,
            provider=services.video,
            assets=services.assets,
            context=_context(ctx, services, segment),
        )

    for n in range(services.max_polls):
        await ctx.step.sleep(f"video-wait-{segment}-{n}", services.poll_interval)
        polled = await ctx.step.run(f"video-poll-{segment}-{n}", poll)
        if polled["result"] is not None:
            return polled["result"]
    return render_timeout(prediction_id, services.max_polls, services.video.name)


def _no_starting_image(start: AssetFailure) -> AssetFailure:
    error = start["error"]
    reason = MediaGenerationError(
        error["code"],
        f"no video: the starting image failed ({error['message']})",
        provider=error["provider"],
        retryable=False,
        user_action_required=error["user_action_required"],
    )
    return failure(reason)
