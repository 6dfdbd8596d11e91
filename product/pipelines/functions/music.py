"""``generate-music``: the lecture's one track, started, then polled between sleeps.

A poll that fails is retried alone, so it never creates a second (billed) render.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.kit import RENDER_FORMULA, Phase, Pipeline, one_per_lecture, render_steps
from pipelines.models import AssetKind
from pipelines.orchestrators.music import music_prompt, poll_single_music, start_single_music

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.kit import AssetJob
    from pipelines.models import AssetFailure, AssetOutcome
    from pipelines.orchestrators import RenderPoll, RenderStarted

__all__ = ["MUSIC"]


async def _music(job: AssetJob) -> AssetOutcome:
    services = job.services
    seconds = services.music_seconds
    prompt = music_prompt(job.lecture)

    async def start() -> RenderStarted | AssetFailure:
        return await start_single_music(
            prompt, provider=services.music, context=job.context(), duration_seconds=seconds
        )

    def poll(render_id: str) -> Callable[[], Awaitable[RenderPoll]]:
        async def body() -> RenderPoll:
            return await poll_single_music(
                render_id,
                provider=services.music,
                assets=services.assets,
                context=job.context(),
                duration_seconds=seconds,
            )

        return body

    return await job.render("music", start, poll, provider=services.music.name, per_segment=False)


MUSIC = Pipeline(
    function_id="generate-music",
    trigger="lecture/music.requested",
    topic="music",
    slots=one_per_lecture,
    slots_formula="1",
    phases=(
        Phase(
            name="music",
            kind=AssetKind.MUSIC,
            provider=lambda services: services.music,
            make=_music,
            steps_per_asset=render_steps,
            per_asset_formula=RENDER_FORMULA,
        ),
    ),
)
