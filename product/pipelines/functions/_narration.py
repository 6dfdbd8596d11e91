"""``generate-narration``: one narration audio per segment, chunked, with progress.

Steps (S segments, C chunk size), at most ``3 + S + ceil(S/C)``: ``validate``,
``narration-{segment}`` per segment, ``progress-narration-{chunk}`` per chunk,
``persist-narration``, ``progress-narration-done``. The narration text is the prompt, so
there is no prompts step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines import limits
from pipelines.errors import ErrorCode, InvalidRequestError, MediaGenerationError
from pipelines.functions._chunks import Reporter, guarded_step, run_in_chunks
from pipelines.functions._flow import function_options
from pipelines.functions._persist import finish_run
from pipelines.functions._plan import Plan, one_per_segment, plan_generation
from pipelines.functions._summary import skipped
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext, failure
from pipelines.orchestrators.audio import (
    generate_single_narration,
    narration_text,
    persist_narration,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import inngest

    from pipelines.models import AssetOutcome, Segment, SlotResult
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_narration_function"]

FUNCTION_ID = "generate-narration"
TRIGGER = "lecture/narration.requested"
TOPIC = "narration"


def build_narration_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-narration`` function bound to `services`."""

    @client.create_function(
        **function_options(
            client,
            services,
            fn_id=FUNCTION_ID,
            trigger=TRIGGER,
            topic=TOPIC,
            providers=[services.speech],
        )
    )
    async def generate_narration(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, TOPIC)
        lecture = Lecture.from_json(plan["lecture"])
        by_index = {segment.index: segment for segment in lecture.segments}
        calls = [_narration_call(ctx, services, by_index[s]) for s, _ in plan["slots"]]
        reporter = Reporter(ctx, client, services, lecture.id, TOPIC)
        results = await run_in_chunks(
            ctx,
            calls,
            chunk_size=services.chunk_size,
            progress=reporter.phase(TOPIC, AssetKind.NARRATION, len(calls)),
        )
        return await finish_run(
            ctx,
            reporter,
            "persist-narration",
            lambda: persist_narration(services.store, lecture.id, results, force=plan["force"]),
            results,
        )

    return generate_narration


def _validate(ctx: inngest.Context, services: Services) -> Callable[[], Awaitable[Plan]]:
    def budget(lecture: Lecture) -> None:
        segments, chunk = len(lecture.segments), services.chunk_size
        limits.check_step_budget(
            FUNCTION_ID,
            limits.NARRATION_FORMULA,
            limits.step_count_narration(segments, chunk),
            f"S={segments}, C={chunk}",
        )

    return plan_generation(
        ctx,
        services,
        kind=AssetKind.NARRATION,
        slots_of=one_per_segment,
        check_budget=budget,
    )


def _narration_call(
    ctx: inngest.Context, services: Services, segment: Segment
) -> Callable[[], Awaitable[SlotResult]]:
    async def generate() -> AssetOutcome:
        try:
            text = narration_text(segment)
        except InvalidRequestError as err:
            return failure(
                MediaGenerationError(ErrorCode.INVALID_INPUT, str(err), provider="pipeline")
            )
        context = AssetContext(
            run_id=ctx.run_id,
            segment=segment.index,
            attempt=ctx.attempt,
            max_attempts=services.max_attempts,
        )
        return await generate_single_narration(
            text,
            provider=services.speech,
            assets=services.assets,
            context=context,
            voice=services.voice,
        )

    return guarded_step(
        ctx,
        f"narration-{segment.index}",
        generate,
        segment=segment.index,
        index=0,
        provider=services.speech.name,
    )
