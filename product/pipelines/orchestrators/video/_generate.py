"""Starting images and video renders, following the single-asset contract.

A render takes minutes, so the Inngest function splits it: `start_single_video` in one
step, then `poll_single_video` in later steps separated by `step.sleep`. `generate_single_video`
chains the same calls with an in-process sleep for callers outside Inngest.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal, TypedDict

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.orchestrators._single import (
    escalate,
    failure,
    produce_asset,
    unknown_error,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pipelines.assets import AssetStore
    from pipelines.models import AssetFailure, AssetOutcome, AssetRef, GeneratedMedia
    from pipelines.orchestrators._single import AssetContext
    from pipelines.providers import ImageProvider, VideoProvider

__all__ = [
    "DEFAULT_START_IMAGE_SIZE",
    "VideoPoll",
    "VideoStarted",
    "generate_single_starting_image",
    "generate_single_video",
    "poll_single_video",
    "render_timeout",
    "start_single_video",
]

DEFAULT_START_IMAGE_SIZE = "1792x1024"


class VideoStarted(TypedDict):
    """A render that started; poll it with `prediction_id`."""

    ok: Literal[True]
    prediction_id: str


class VideoPoll(TypedDict):
    """One poll: ``done`` with a `result`, or still running (``result`` is None)."""

    done: bool
    status: str
    result: AssetOutcome | None


async def generate_single_starting_image(
    prompt: str,
    *,
    provider: ImageProvider,
    assets: AssetStore,
    context: AssetContext,
    size: str = DEFAULT_START_IMAGE_SIZE,
) -> AssetOutcome:
    """Generate the still a segment's video starts from (landscape by default)."""

    async def produce() -> GeneratedMedia:
        return await provider.generate_image(prompt, size=size)

    meta = {"size": size, "role": "start_image"}
    return await produce_asset(
        produce, provider=provider, assets=assets, context=context, meta=meta
    )


async def start_single_video(
    prompt: str,
    starting_image: AssetRef,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
) -> VideoStarted | AssetFailure:
    """Start a render from `starting_image`; return its prediction id or a failure record."""
    try:
        image = await asyncio.to_thread(assets.read, starting_image)
        prediction_id = await provider.start_video(prompt, image, starting_image["mime_type"])
    except MediaGenerationError as err:
        if err.retryable:
            escalate(err, context)
        return failure(err)
    except Exception as exc:
        raise unknown_error(exc, provider) from None
    return {"ok": True, "prediction_id": prediction_id}


async def poll_single_video(
    prediction_id: str,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
) -> VideoPoll:
    """Poll a render once; when it finished, store the video and return its outcome."""
    try:
        polled = await provider.poll_video(prediction_id)
    except MediaGenerationError as err:
        if err.retryable:
            escalate(err, context)
        return {"done": True, "status": "failed", "result": failure(err)}
    except Exception as exc:
        raise unknown_error(exc, provider) from None
    if polled.media is None:
        return {"done": False, "status": polled.status, "result": None}
    media = polled.media

    async def finished() -> GeneratedMedia:
        return media

    meta = {"prediction_id": prediction_id}
    result = await produce_asset(
        finished, provider=provider, assets=assets, context=context, meta=meta
    )
    return {"done": True, "status": polled.status, "result": result}


def render_timeout(prediction_id: str, polls: int, provider: str) -> AssetFailure:
    """The failure recorded when a render is still running after the last poll."""
    error = MediaGenerationError(
        ErrorCode.TIMEOUT,
        f"video render {prediction_id} was not finished after {polls} polls",
        provider=provider,
    )
    return failure(error)


async def generate_single_video(
    prompt: str,
    starting_image: AssetRef,
    *,
    provider: VideoProvider,
    assets: AssetStore,
    context: AssetContext,
    max_polls: int = 10,
    poll_interval: float = 10.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AssetOutcome:
    """Start a render and poll it in-process until it finishes or `max_polls` run out.

    For callers outside Inngest; the Inngest function uses `start_single_video` and
    `poll_single_video` in separate steps instead, so no step blocks for minutes.
    """
    started = await start_single_video(
        prompt, starting_image, provider=provider, assets=assets, context=context
    )
    if not started["ok"]:
        return started
    for _ in range(max_polls):
        await sleep(poll_interval)
        polled = await poll_single_video(
            started["prediction_id"], provider=provider, assets=assets, context=context
        )
        if polled["result"] is not None:
            return polled["result"]
    return render_timeout(started["prediction_id"], max_polls, provider.name)
