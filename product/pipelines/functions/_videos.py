"""``generate-segment-videos``: a starting image, then a polled video render, per segment.

Steps (S segments, C chunk size, P max polls), at most ``4 + 2*S + 2*S*P + 2*ceil(S/C)``:
``validate``, ``prompts``; phase 1: ``start-image-{segment}`` per segment that has no stored
starting image yet (a rerun reuses the stored ones) and ``progress-start-images-{chunk}``
per chunk; phase 2, for each segment whose image succeeded: ``video-start-{segment}``, then
up to P rounds of ``video-wait-{segment}-{n}`` (a `step.sleep`) and
``video-poll-{segment}-{n}``, and ``progress-videos-{chunk}`` per chunk; finally
``persist-videos`` and ``progress-videos-done``. A render still running after P polls is a
``TIMEOUT`` failure.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import inngest

from pipelines import limits
from pipelines.errors import MediaGenerationError
from pipelines.functions._chunks import Reporter, guarded_step, run_in_chunks, slot_result
from pipelines.functions._flow import function_options
from pipelines.functions._persist import finish_run
from pipelines.functions._plan import Plan, one_per_segment, plan_generation
from pipelines.functions._polling import render_in_steps
from pipelines.functions._summary import skipped
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext, failure, failure_from_step_error
from pipelines.orchestrators.video import (
    VideoPrompt,
    build_video_prompts,
    generate_single_starting_image,
    persist_videos,
    poll_single_video,
    start_single_video,
    template_video_prompts,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.models import AssetFailure, AssetOutcome, AssetRef, SlotResult
    from pipelines.orchestrators import RenderPoll, RenderStarted
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_videos_function"]

FUNCTION_ID = "generate-segment-videos"
TRIGGER = "lecture/videos.requested"
TOPIC = "videos"


def build_videos_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-segment-videos`` function bound to `services`."""

    @client.create_function(
        **function_options(
            client,
            services,
            fn_id=FUNCTION_ID,
            trigger=TRIGGER,
            topic=TOPIC,
            providers=[services.images, services.video],
        )
    )
    async def generate_segment_videos(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, TOPIC)
        lecture = Lecture.from_json(plan["lecture"])
        segments = [s for s, _ in plan["slots"]]
        stored = {item["segment"]: item for item in plan["reuse"]}
        missing = [s for s in segments if s not in stored]
        prompts = await _prompts(ctx, services, lecture, segments)
        reporter = Reporter(ctx, client, services, lecture.id, TOPIC)
        fresh = await run_in_chunks(
            ctx,
            [_start_image_call(ctx, services, prompts[s]) for s in missing],
            chunk_size=services.chunk_size,
            progress=reporter.phase("start-images", AssetKind.START_IMAGE, len(missing)),
        )
        by_segment = {**stored, **{item["segment"]: item for item in fresh}}
        images = [by_segment[s] for s in segments]
        videos = await run_in_chunks(
            ctx,
            [_video_call(ctx, services, prompts[i["segment"]], i) for i in images],
            chunk_size=services.chunk_size,
            progress=reporter.phase(
                TOPIC,
                AssetKind.VIDEO,
                len(segments),
                first_seq=math.ceil(len(missing) / services.chunk_size),
            ),
        )
        return await finish_run(
            ctx,
            reporter,
            "persist-videos",
            # Only fresh starting images: the reused ones are stored already.
            lambda: persist_videos(services.store, lecture.id, fresh, videos, force=plan["force"]),
            videos,
            start_images_reused=len(stored),
        )

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

    return plan_generation(
        ctx,
        services,
        kind=AssetKind.VIDEO,
        slots_of=one_per_segment,
        check_budget=budget,
        reusable=AssetKind.START_IMAGE,
    )


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
    async def start() -> RenderStarted | AssetFailure:
        return await start_single_video(
            prompt,
            image,
            provider=services.video,
            assets=services.assets,
            context=_context(ctx, services, segment),
        )

    def poll(prediction_id: str) -> Callable[[], Awaitable[RenderPoll]]:
        async def body() -> RenderPoll:
            return await poll_single_video(
                prediction_id,
                provider=services.video,
                assets=services.assets,
                context=_context(ctx, services, segment),
            )

        return body

    return await render_in_steps(
        ctx,
        services,
        start_id=f"video-start-{segment}",
        start=start,
        poll=poll,
        wait_id=f"video-wait-{segment}",
        poll_id=f"video-poll-{segment}",
        provider=services.video.name,
    )


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
