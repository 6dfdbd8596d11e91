"""Asynchronous renders (music, video) split into a start and polls.

A render takes minutes, so the Inngest functions run `start_render` in one step and
`poll_render` in later steps separated by `step.sleep`: a poll that fails is retried on
its own, and never starts (or pays for) a second render. `wait_for_render` chains the
same calls with an in-process sleep for callers outside Inngest.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, TypedDict

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.orchestrators._single import classified, failure, produce_asset

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pipelines.assets import AssetStore
    from pipelines.models import AssetFailure, AssetOutcome, GeneratedMedia
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import Provider, RenderStatus

__all__ = [
    "RenderPoll",
    "RenderStarted",
    "poll_render",
    "render_timeout",
    "start_render",
    "wait_for_render",
]


class RenderStarted(TypedDict):
    """A render that started; poll it with `prediction_id`."""

    ok: Literal[True]
    prediction_id: str


class RenderPoll(TypedDict):
    """One poll: ``done`` with a `result`, or still running (``result`` is None)."""

    done: bool
    status: str
    result: AssetOutcome | None


async def start_render(
    start: Callable[[], Awaitable[str]], *, provider: Provider, context: AssetContext
) -> RenderStarted | AssetFailure:
    """Start a render; return its id, or a failure record for a non-retryable refusal."""
    started = await classified(start, provider=provider, context=context)
    if isinstance(started, dict):
        return started
    return {"ok": True, "prediction_id": started}


async def poll_render(
    poll: Callable[[], Awaitable[RenderStatus]],
    *,
    provider: Provider,
    assets: AssetStore,
    context: AssetContext,
    meta: Mapping[str, object],
) -> RenderPoll:
    """Poll a render once; when it finished, store its media and return the outcome."""
    polled = await classified(poll, provider=provider, context=context)
    if isinstance(polled, dict):
        return {"done": True, "status": "failed", "result": polled}
    if polled.media is None:
        return {"done": False, "status": polled.status, "result": None}
    media = polled.media

    async def finished() -> GeneratedMedia:
        return media

    result = await produce_asset(
        finished, provider=provider, assets=assets, context=context, meta=meta
    )
    return {"done": True, "status": polled.status, "result": result}


def render_timeout(prediction_id: str, polls: int, provider: str) -> AssetFailure:
    """The failure recorded when a render is still running after the last poll."""
    error = MediaGenerationError(
        ErrorCode.TIMEOUT,
        f"render {prediction_id} was not finished after {polls} polls",
        provider=provider,
    )
    return failure(error)


async def wait_for_render(
    started: RenderStarted | AssetFailure,
    poll: Callable[[str], Awaitable[RenderPoll]],
    *,
    provider: str,
    max_polls: int,
    poll_interval: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AssetOutcome:
    """Poll a started render in-process until it finishes or `max_polls` run out."""
    if not started["ok"]:
        return started
    for _ in range(max_polls):
        await sleep(poll_interval)
        polled = await poll(started["prediction_id"])
        if polled["result"] is not None:
            return polled["result"]
    return render_timeout(started["prediction_id"], max_polls, provider)
