"""``generate-music``: the lecture's one music track, started and then polled.

Steps (P max polls), at most ``5 + 2*P``: ``validate``, ``music-start``, then up to P
rounds of ``music-wait-{n}`` (a `step.sleep`) and ``music-poll-{n}``,
``progress-music-0``, ``persist-music``, ``progress-music-done``. A poll that fails is
retried alone, so it never creates a second (billed) prediction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import inngest

from pipelines import limits
from pipelines.functions._chunks import Reporter, slot_result
from pipelines.functions._flow import function_options
from pipelines.functions._persist import finish_run
from pipelines.functions._plan import Plan, plan_generation
from pipelines.functions._polling import render_in_steps
from pipelines.functions._summary import skipped
from pipelines.models import AssetKind, Lecture
from pipelines.orchestrators import AssetContext, failure_from_step_error
from pipelines.orchestrators.music import (
    music_prompt,
    persist_music,
    poll_single_music,
    start_single_music,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.models import AssetFailure, AssetOutcome
    from pipelines.orchestrators import RenderPoll, RenderStarted
    from pipelines.services import Services

__all__ = ["FUNCTION_ID", "TRIGGER", "build_music_function"]

FUNCTION_ID = "generate-music"
TRIGGER = "lecture/music.requested"
TOPIC = "music"


def build_music_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Create the ``generate-music`` function bound to `services`."""

    @client.create_function(
        **function_options(
            client,
            services,
            fn_id=FUNCTION_ID,
            trigger=TRIGGER,
            topic=TOPIC,
            providers=[services.music],
        )
    )
    async def generate_music(ctx: inngest.Context) -> dict[str, object]:
        plan = await ctx.step.run("validate", _validate(ctx, services))
        if plan["skipped"] or plan["lecture"] is None:
            return skipped(plan, TOPIC)
        lecture = Lecture.from_json(plan["lecture"])
        try:
            result = await _render(ctx, services, music_prompt(lecture))
        except inngest.StepError as err:
            result = failure_from_step_error(err, services.music.name)
        results = [slot_result(0, 0, result)]
        reporter = Reporter(ctx, client, services, lecture.id, TOPIC)
        await reporter.phase(TOPIC, AssetKind.MUSIC, 1).report(0, 1, 1, results)
        return await finish_run(
            ctx,
            reporter,
            "persist-music",
            lambda: persist_music(services.store, lecture.id, result, force=plan["force"]),
            results,
        )

    return generate_music


def _validate(ctx: inngest.Context, services: Services) -> Callable[[], Awaitable[Plan]]:
    def budget(_lecture: Lecture) -> None:
        polls = services.max_polls
        limits.check_step_budget(
            FUNCTION_ID, limits.MUSIC_FORMULA, limits.step_count_music(polls), f"P={polls}"
        )

    return plan_generation(
        ctx,
        services,
        kind=AssetKind.MUSIC,
        slots_of=lambda _lecture: [(0, 0)],
        check_budget=budget,
    )


def _context(ctx: inngest.Context, services: Services) -> AssetContext:
    return AssetContext(
        run_id=ctx.run_id, segment=0, attempt=ctx.attempt, max_attempts=services.max_attempts
    )


async def _render(ctx: inngest.Context, services: Services, prompt: str) -> AssetOutcome:
    seconds = services.music_seconds

    async def start() -> RenderStarted | AssetFailure:
        return await start_single_music(
            prompt,
            provider=services.music,
            context=_context(ctx, services),
            duration_seconds=seconds,
        )

    def poll(render_id: str) -> Callable[[], Awaitable[RenderPoll]]:
        async def body() -> RenderPoll:
            return await poll_single_music(
                render_id,
                provider=services.music,
                assets=services.assets,
                context=_context(ctx, services),
                duration_seconds=seconds,
            )

        return body

    return await render_in_steps(
        ctx,
        services,
        start_id="music-start",
        start=start,
        poll=poll,
        wait_id="music-wait",
        poll_id="music-poll",
        provider=services.music.name,
    )
