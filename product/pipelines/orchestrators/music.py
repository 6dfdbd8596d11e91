"""Music: the prompt and the start/poll helpers of the lecture's one track."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pipelines.orchestrators._render import (
    RenderPoll,
    RenderStarted,
    poll_render,
    start_render,
    wait_for_render,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.assets import AssetStore
    from pipelines.models import AssetFailure, AssetOutcome, Lecture
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import MusicProvider

__all__ = [
    "DEFAULT_MUSIC_SECONDS",
    "generate_single_music",
    "music_prompt",
    "poll_single_music",
    "start_single_music",
]


def music_prompt(lecture: Lecture) -> str:
    """Return a prompt for calm, unobtrusive background music suited to `lecture`."""
    title = " ".join(lecture.title.split())[:120]
    return (
        f"Calm instrumental background music for an educational lecture titled '{title}'. "
        "Gentle, unobtrusive, steady tempo, no vocals."
    )


DEFAULT_MUSIC_SECONDS = 30


async def start_single_music(
    prompt: str,
    *,
    provider: MusicProvider,
    context: AssetContext,
    duration_seconds: int = DEFAULT_MUSIC_SECONDS,
) -> RenderStarted | AssetFailure:
    """Start the track's render; return its id or a failure record."""
    return await start_render(
        lambda: provider.start_music(prompt, duration_seconds=duration_seconds),
        provider=provider,
        context=context,
    )


async def poll_single_music(
    render_id: str,
    *,
    provider: MusicProvider,
    assets: AssetStore,
    context: AssetContext,
    duration_seconds: int = DEFAULT_MUSIC_SECONDS,
) -> RenderPoll:
    """Poll the render once; when it finished, store the audio and return its outcome."""
    return await poll_render(
        lambda: provider.poll_music(render_id),
        provider=provider,
        assets=assets,
        context=context,
        meta={"duration_seconds": duration_seconds, "prediction_id": render_id},
    )


async def generate_single_music(
    prompt: str,
    *,
    provider: MusicProvider,
    assets: AssetStore,
    context: AssetContext,
    duration_seconds: int = DEFAULT_MUSIC_SECONDS,
    max_polls: int = 60,
    poll_interval: float = 5.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AssetOutcome:
    """Generate the music track in-process (start, then poll), for callers outside Inngest."""
    started = await start_single_music(
        prompt, provider=provider, context=context, duration_seconds=duration_seconds
    )

    async def poll(render_id: str) -> RenderPoll:
        return await poll_single_music(
            render_id,
            provider=provider,
            assets=assets,
            context=context,
            duration_seconds=duration_seconds,
        )

    return await wait_for_render(
        started,
        poll,
        provider=provider.name,
        max_polls=max_polls,
        poll_interval=poll_interval,
        sleep=sleep,
    )
