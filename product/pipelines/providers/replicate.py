"""A Replicate-style predictions provider for music and video.

Protocol: ``POST /v1/predictions`` creates a prediction, ``GET /v1/predictions/{id}`` reports
``starting``/``processing``/``succeeded``/``failed``/``canceled``, and a succeeded prediction's
``output`` is a URL (or a list of URLs) to download.
"""

from __future__ import annotations

import asyncio
import base64
import re
from typing import TYPE_CHECKING

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.models import GeneratedMedia
from pipelines.providers._base import VideoStatus
from pipelines.providers._http import (
    Secret,
    dig,
    json_object,
    looks_like_policy_refusal,
    malformed,
    send,
)
from pipelines.providers._sniff import sniff_mime

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

__all__ = ["ReplicateProvider"]

_PENDING = {"starting", "processing"}
_PREDICTION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


class ReplicateProvider:
    """Generates music (waiting in-process) and video (start, then poll) on Replicate.

    Args:
        client: The HTTP client to use (inject a mocked one in tests).
        api_token: The API token (``REPLICATE_API_TOKEN``); only ever sent to `base_url`.
        base_url: API origin.
        music_model: Model version (or ``owner/name``) for music.
        video_model: Model version (or ``owner/name``) for image-to-video.
        video_image_field: Input field of the video model that takes the starting image.
        poll_interval: Seconds between polls while waiting for music.
        max_music_polls: Polls before a music render counts as a ``TIMEOUT``.
        sleep: Awaitable sleep used between music polls (inject a no-op in tests).
    """

    name = "replicate"

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_token: str | Secret,
        *,
        base_url: str = "https://api.replicate.com",
        music_model: str = "meta/musicgen",
        video_model: str = "stability-ai/stable-video-diffusion",
        video_image_field: str = "input_image",
        poll_interval: float = 2.0,
        max_music_polls: int = 150,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._secret = api_token if isinstance(api_token, Secret) else Secret(api_token)
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.music_model = music_model
        self.video_model = video_model
        self.video_image_field = video_image_field
        self.poll_interval = poll_interval
        self.max_music_polls = max_music_polls
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ReplicateProvider(base_url={self.base_url!r}, api_token=***)"

    def redact(self, text: str) -> str:
        """Return `text` with the API token replaced by ``***``."""
        return self._secret.redact(text)

    async def generate_music(self, prompt: str, *, duration_seconds: int) -> GeneratedMedia:
        """Create a music prediction and wait (bounded) for its audio."""
        inputs = {"prompt": prompt, "duration": duration_seconds}
        prediction_id = await self._create(self.music_model, inputs)
        for attempt in range(self.max_music_polls):
            if attempt:
                await self._sleep(self.poll_interval)
            status = await self._poll(prediction_id, self.music_model)
            if status.media is not None:
                return status.media
        raise MediaGenerationError(
            ErrorCode.TIMEOUT,
            f"music prediction {prediction_id} still running after {self.max_music_polls} polls",
            provider=self.name,
        )

    async def start_video(self, prompt: str, image: bytes, mime_type: str) -> str:
        """Create an image-to-video prediction and return its id."""
        data_uri = f"data:{mime_type};base64,{base64.b64encode(image).decode('ascii')}"
        return await self._create(
            self.video_model, {self.video_image_field: data_uri, "prompt": prompt}
        )

    async def poll_video(self, prediction_id: str) -> VideoStatus:
        """Check a video prediction once; download the video when it succeeded."""
        return await self._poll(prediction_id, self.video_model)

    async def _create(self, model: str, inputs: dict[str, object]) -> str:
        response = await send(
            self._client,
            "POST",
            f"{self.base_url}/v1/predictions",
            provider=self.name,
            secret=self._secret,
            json_body={"version": model, "input": inputs},
        )
        prediction_id = dig(json_object(response, provider=self.name, secret=self._secret), "id")
        if not isinstance(prediction_id, str) or not _PREDICTION_ID_RE.match(prediction_id):
            raise self._malformed(response, "no usable prediction 'id'")
        return prediction_id

    async def _poll(self, prediction_id: str, model: str) -> VideoStatus:
        if not _PREDICTION_ID_RE.match(prediction_id):
            raise MediaGenerationError(
                ErrorCode.INVALID_INPUT,
                f"prediction id {prediction_id!r} is not a Replicate id",
                provider=self.name,
            )
        response = await send(
            self._client,
            "GET",
            f"{self.base_url}/v1/predictions/{prediction_id}",
            provider=self.name,
            secret=self._secret,
        )
        body = json_object(response, provider=self.name, secret=self._secret)
        status = body.get("status")
        if status in _PENDING:
            return VideoStatus(status=str(status))
        if status in ("failed", "canceled"):
            raise self._prediction_failed(prediction_id, str(status), body.get("error"))
        if status != "succeeded":
            raise self._malformed(response, f"unknown prediction status {status!r}")
        url = _output_url(body.get("output"))
        if url is None:
            raise self._malformed(response, "a succeeded prediction has no output URL")
        return VideoStatus(status="succeeded", media=await self._download(url, model))

    async def _download(self, url: str, model: str) -> GeneratedMedia:
        # Output URLs live on a delivery host: never send the API token there.
        response = await send(self._client, "GET", url, provider=self.name, secret=None)
        if not response.content:
            raise self._malformed(response, "the output file is empty")
        declared = response.headers.get("content-type", "").split(";")[0].strip()
        mime = sniff_mime(response.content, default=declared or "application/octet-stream")
        return GeneratedMedia(data=response.content, mime_type=mime, model=model)

    def _prediction_failed(
        self, prediction_id: str, status: str, error: object
    ) -> MediaGenerationError:
        detail = self.redact(str(error or "no error message"))[:200]
        message = f"prediction {prediction_id} {status}: {detail}"
        if looks_like_policy_refusal(detail):
            return MediaGenerationError(ErrorCode.SENSITIVE_CONTENT, message, provider=self.name)
        # Polling again cannot revive a failed prediction, so this is not retryable here.
        return MediaGenerationError(ErrorCode.UNKNOWN, message, provider=self.name, retryable=False)

    def _malformed(self, response: httpx.Response, problem: str) -> MediaGenerationError:
        return malformed(response, problem, provider=self.name, secret=self._secret)


def _output_url(output: object) -> str | None:
    if isinstance(output, list) and output:
        output = output[-1]
    if isinstance(output, str) and output.startswith(("https://", "http://")):
        return output
    return None
