"""``generate-segment-images``: I images per segment, chunked, with progress.

Steps (S segments, I images per segment, C chunk size), at most ``4 + S*I + ceil(S*I/C)``:
``validate``, ``prompts``, ``image-{segment}-{index}`` per image, ``progress-images-{chunk}``
per chunk, ``persist-images``, ``progress-images-done``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import inngest

from pipelines import limits
from pipelines.functions._chunks import Reporter, guarded_step, run_in_chunks
from pipelines.functions._flow import function_options
from pipelines.functions._persist import finish_run
from pipelines.functions._plan import Plan, plan_generation
from pipelines.functions._summary import skipped
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext
from pipelines.orchestrators.image import (
    ImagePrompt,
    build_image_prompts,
    generate_single_image,
    persist_images,
    template_image_prompts,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.models import AssetOutcome, SlotResult
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_images_function"]

FUNCTION_ID = "generate-segment-images"
TRIGGER = "lecture/images.requested"
TOPIC = "images"


def build_images_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-segment-images`` function bound to `services`."""

    @client.create_function(
        **function_options(
            client,
            services,
            fn_id=FUNCTION_ID,
            trigger=TRIGGER,
            topic=TOPIC,
            providers=[services.images],
        )
    )
    async def generate_segment_images(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, TOPIC)
        lecture = Lecture.from_json(plan["lecture"])
        slots = [(s, i) for s, i in plan["slots"]]
        prompts = await _prompts(ctx, services, lecture, slots)
        calls = [_image_call(ctx, services, prompts[slot], slot) for slot in slots]
        reporter = Reporter(ctx, client, services, lecture.id, TOPIC)
        results = await run_in_chunks(
            ctx,
            calls,
            chunk_size=services.chunk_size,
            progress=reporter.phase(TOPIC, AssetKind.IMAGE, len(calls)),
        )
        return await finish_run(
            ctx,
            reporter,
            "persist-images",
            lambda: persist_images(services.store, lecture.id, results, force=plan["force"]),
            results,
        )

    return generate_segment_images


def _validate(ctx: inngest.Context, services: Services) -> Callable[[], Awaitable[Plan]]:
    def budget(lecture: Lecture) -> None:
        segments, per, chunk = (
            len(lecture.segments),
            services.images_per_segment,
            services.chunk_size,
        )
        limits.check_step_budget(
            FUNCTION_ID,
            limits.IMAGES_FORMULA,
            limits.step_count_images(segments, per, chunk),
            f"S={segments}, I={per}, C={chunk}",
        )

    def slots_of(lecture: Lecture) -> list[tuple[int, int]]:
        per = services.images_per_segment
        return [(s.index, i) for s in lecture.segments for i in range(per)]

    return plan_generation(
        ctx, services, kind=AssetKind.IMAGE, slots_of=slots_of, check_budget=budget
    )


async def _prompts(
    ctx: inngest.Context, services: Services, lecture: Lecture, slots: list[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    wanted = {segment for segment, _ in slots}
    subset = dataclasses.replace(
        lecture, segments=tuple(s for s in lecture.segments if s.index in wanted)
    )

    async def write() -> list[ImagePrompt]:
        return await build_image_prompts(
            subset, services.images_per_segment, services.prompts, concurrency=services.chunk_size
        )

    try:
        prompts = await ctx.step.run("prompts", write)
    except inngest.StepError:
        # The prompt model is a nicety: the briefs themselves still make usable prompts.
        prompts = template_image_prompts(subset, services.images_per_segment)
    return {(p["segment"], p["index"]): p["prompt"] for p in prompts}


def _image_call(
    ctx: inngest.Context, services: Services, prompt: str, slot: tuple[int, int]
) -> Callable[[], Awaitable[SlotResult]]:
    segment, index = slot

    async def generate() -> AssetOutcome:
        context = AssetContext(
            run_id=ctx.run_id,
            segment=segment,
            index=index,
            attempt=ctx.attempt,
            max_attempts=services.max_attempts,
        )
        return await generate_single_image(
            prompt,
            provider=services.images,
            assets=services.assets,
            context=context,
            size=services.image_size,
        )

    return guarded_step(
        ctx,
        f"image-{segment}-{index}",
        generate,
        segment=segment,
        index=index,
        provider=services.images.name,
    )
