"""Polling a started render in Inngest steps: a `step.sleep`, then a short poll step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.orchestrators import render_timeout

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import inngest

    from pipelines.models import AssetFailure, AssetOutcome
    from pipelines.orchestrators import RenderPoll, RenderStarted
    from pipelines.services import Services

__all__ = ["poll_until_done", "render_in_steps"]


async def poll_until_done(
    ctx: inngest.Context,
    services: Services,
    render_id: str,
    poll: Callable[[], Awaitable[RenderPoll]],
    *,
    wait_id: str,
    poll_id: str,
    provider: str | None = None,
) -> AssetOutcome:
    """Up to ``services.max_polls`` rounds of ``{wait_id}-{n}`` (sleep) and ``{poll_id}-{n}``.

    No step blocks while the provider renders; a render still running after the last
    poll is a ``TIMEOUT`` failure. A poll step that exhausts its retries raises
    `inngest.StepError` for the caller to record.
    """
    for n in range(services.max_polls):
        await ctx.step.sleep(f"{wait_id}-{n}", services.poll_interval)
        polled = await ctx.step.run(f"{poll_id}-{n}", poll)
        if polled["result"] is not None:
            return polled["result"]
    name = provider or services.music.name
    return render_timeout(render_id, services.max_polls, name)


async def render_in_steps(
    ctx: inngest.Context,
    services: Services,
    *,
    start_id: str,
    start: Callable[[], Awaitable[RenderStarted | AssetFailure]],
    poll: Callable[[str], Callable[[], Awaitable[RenderPoll]]],
    wait_id: str,
    poll_id: str,
    provider: str,
) -> AssetOutcome:
    """Start a render in step `start_id`, then poll it (see `poll_until_done`).

    `poll` makes the poll step's body for a prediction id. A refused start is returned
    as the asset's failure, with no polls.
    """
    started = await ctx.step.run(start_id, start)
    if not started["ok"]:
        return started
    render_id = started["prediction_id"]
    return await poll_until_done(
        ctx,
        services,
        render_id,
        poll(render_id),
        wait_id=wait_id,
        poll_id=poll_id,
        provider=provider,
    )
