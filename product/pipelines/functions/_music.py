"""``generate-music``: the lecture's one music track, in a single step.

Steps: ``validate``, ``music``, ``progress-music-0``, ``persist-music`` (always 4).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import inngest

from pipelines.functions._chunks import Progress, guarded_step
from pipelines.functions._plan import Plan, plan_generation
from pipelines.functions._summary import skipped, summarize
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext
from pipelines.orchestrators.music import generate_single_music, music_prompt, persist_music

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.models import AssetOutcome, MergeSummary
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_music_function"]

FUNCTION_ID = "generate-music"
TRIGGER = "lecture/music.requested"


def build_music_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-music`` function bound to `services`."""

    @client.create_function(
        fn_id=FUNCTION_ID,
        trigger=inngest.TriggerEvent(event=TRIGGER),
        retries=services.retries,
    )
    async def generate_music(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, "music")
        lecture = Lecture.from_json(plan["lecture"])
        prompt = music_prompt(lecture)

        async def generate() -> AssetOutcome:
            context = AssetContext(
                run_id=ctx.run_id,
                segment=0,
                attempt=ctx.attempt,
                max_attempts=services.max_attempts,
            )
            return await generate_single_music(
                prompt,
                provider=services.music,
                assets=services.assets,
                context=context,
                duration_seconds=services.music_seconds,
            )

        call = guarded_step(
            ctx, "music", generate, segment=0, index=0, provider=services.music.name
        )
        progress = Progress(client, services.publish, lecture.id, "music", "progress-music", 1)
        results = [await call()]
        await progress.report(ctx, 0, 1, 1, results)

        async def persist() -> MergeSummary:
            return await asyncio.to_thread(
                persist_music, services.store, lecture.id, results[0]["result"], force=plan["force"]
            )

        persisted = await ctx.step.run("persist-music", persist)
        return summarize(lecture.id, "music", results, persisted)

    return generate_music


def _validate(ctx: inngest.Context, services: Services) -> Callable[[], Awaitable[Plan]]:
    async def validate() -> Plan:
        return await asyncio.to_thread(
            plan_generation,
            services,
            ctx.event.data,
            kind=AssetKind.MUSIC,
            slots_of=lambda _lecture: [(0, 0)],
            check_budget=lambda _lecture: None,
        )

    return validate
