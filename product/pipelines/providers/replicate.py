"""Music and video on Replicate through the official ``replicate`` client.

Renders are asynchronous: ``start_*`` creates a prediction and returns its id at once, and
``poll_*`` checks it once. The Inngest functions run each call as its own step with
`step.sleep` in between, so a poll that fails and is retried never creates (and pays for)
a second prediction.

The client's built-in retries are off: `replicate.Client` wraps its HTTP client in a
``RetryTransport`` that retries GETs on 429/503/504 up to ten times with real sleeps, inside
the step. `_StepClient` gives it a plain HTTP client instead; Inngest retries the step, with
the delay Replicate asked for.
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from replicate.client import Client
from replicate.exceptions import ReplicateError

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.models import GeneratedMedia
from pipelines.providers._base import RenderStatus
from pipelines.providers._errors import (
    Secret,
    looks_like_policy_refusal,
    replicate_body_delay,
    scrub,
    status_error,
)
from pipelines.providers._sniff import sniff_mime

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from replicate.prediction import Prediction

    from pipelines.providers._base import StartingImage

__all__ = ["DEFAULT_MUSIC_MODEL", "DEFAULT_VIDEO_MODEL", "ReplicateProvider"]

# Community models need a version pin (owner/name:version); only "official" models may be
# called as owner/name. These pins are the versions widely used with the inputs below.
DEFAULT_MUSIC_MODEL = (
    "meta/musicgen:671ac645ce5e552cc63a54a2bbff63fcf798043055d2dac5fc9e36a837eedcfb"
)
DEFAULT_VIDEO_MODEL = (
    "stability-ai/stable-video-diffusion:"
    "3f0457e4619daac51203dedb472816fd4af51f3149fa7a9e0b5ffcf1b8172438"
)
_PENDING = {"starting", "processing"}
_PREDICTION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_MODEL_RE = re.compile(r"^(?P<model>[\w.-]+/[\w.-]+)(?::(?P<version>[0-9a-f]{64}))?$")
T = TypeVar("T")


class _StepClient(Client):
    """`replicate.Client` on a plain `httpx.AsyncClient`, without the RetryTransport."""

    def __init__(
        self, secret: Secret, *, base_url: str, timeout: httpx.Timeout, transport: Any
    ) -> None:
        super().__init__(secret.reveal(), base_url=base_url, timeout=timeout)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            headers={"Authorization": f"Bearer {secret.reveal()}"},
            timeout=timeout,
            transport=transport,
        )

    @property
    def _async_client(self) -> httpx.AsyncClient:  # the property every async call uses
        return self._http


class ReplicateProvider:
    """Generates music and video (start, then poll) on Replicate.

    Args:
        api_token: The API token (``REPLICATE_API_TOKEN``); only ever sent to `base_url`.
        base_url: API origin.
        http_client: Client for downloading outputs from Replicate's delivery host (never
            sent the token); one is created (and closed by `aclose`) when omitted.
        music_model: ``owner/name:version`` (or ``owner/name`` for an official model).
        video_model: The image-to-video model, same forms.
        video_image_field: Input of the video model that takes the starting image.
        video_prompt_field: Input that takes the motion prompt, if the model has one
            (Stable Video Diffusion has none).
        transport: An httpx transport for the API client (tests).
    """

    name = "replicate"

    def __init__(
        self,
        api_token: str | Secret,
        *,
        base_url: str = "https://api.replicate.com",
        http_client: httpx.AsyncClient | None = None,
        music_model: str = DEFAULT_MUSIC_MODEL,
        video_model: str = DEFAULT_VIDEO_MODEL,
        video_image_field: str = "input_image",
        video_prompt_field: str | None = None,
        timeout: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._secret = api_token if isinstance(api_token, Secret) else Secret(api_token)
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.music_model = _check_model("music_model", music_model)
        self.video_model = _check_model("video_model", video_model)
        self.video_image_field = video_image_field
        self.video_prompt_field = video_prompt_field
        limits = httpx.Timeout(timeout, connect=10.0)
        self._client = _StepClient(
            self._secret, base_url=self.base_url, timeout=limits, transport=transport
        )
        self._owns_downloads = http_client is None
        self._downloads = http_client or httpx.AsyncClient(timeout=limits)

    def __repr__(self) -> str:
        return f"ReplicateProvider(base_url={self.base_url!r}, api_token=***)"

    def redact(self, text: str) -> str:
        """Return `text` with the API token replaced by ``***``."""
        return self._secret.redact(text)

    async def aclose(self) -> None:
        """Close the HTTP clients this provider created."""
        await self._client._http.aclose()
        if self._owns_downloads:
            await self._downloads.aclose()

    async def start_music(self, prompt: str, *, duration_seconds: int) -> str:
        """Create a music prediction and return its id."""
        return await self._create(
            self.music_model, {"prompt": prompt, "duration": duration_seconds}
        )

    async def poll_music(self, render_id: str) -> RenderStatus:
        """Check a music prediction once; download the audio when it succeeded."""
        return await self._poll(render_id, self.music_model)

    async def start_video(self, prompt: str, image: StartingImage) -> str:
        """Create an image-to-video prediction and return its id.

        The starting image goes as its presigned URL when the asset store has one;
        otherwise the client uploads the bytes with Replicate's Files API (not as a data
        URI, which Replicate recommends only under 1 MB).
        """
        source: object = image.url
        if source is None:
            source = io.BytesIO(await asyncio.to_thread(image.load))
        inputs: dict[str, object] = {self.video_image_field: source}
        if self.video_prompt_field:
            inputs[self.video_prompt_field] = prompt
        return await self._create(self.video_model, inputs)

    async def poll_video(self, prediction_id: str) -> RenderStatus:
        """Check a video prediction once; download the video when it succeeded."""
        return await self._poll(prediction_id, self.video_model)

    async def _create(self, model: str, inputs: dict[str, object]) -> str:
        match = _MODEL_RE.match(model)
        assert match is not None  # checked in __init__
        predictions = self._client.predictions
        if match["version"]:
            create = predictions.async_create(version=match["version"], input=inputs)
        else:
            create = predictions.async_create(model=match["model"], input=inputs)
        prediction = await self._call("POST /v1/predictions", create)
        if not _PREDICTION_ID_RE.match(prediction.id or ""):
            raise self._unusable(
                "POST /v1/predictions", f"no usable prediction id {prediction.id!r}"
            )
        return str(prediction.id)

    async def _poll(self, prediction_id: str, model: str) -> RenderStatus:
        if not _PREDICTION_ID_RE.match(prediction_id):
            raise MediaGenerationError(
                ErrorCode.INVALID_INPUT,
                f"prediction id {prediction_id!r} is not a Replicate id",
                provider=self.name,
            )
        where = f"GET /v1/predictions/{prediction_id}"
        prediction = await self._call(where, self._client.predictions.async_get(prediction_id))
        if prediction.status in _PENDING:
            return RenderStatus(status=prediction.status)
        if prediction.status in ("failed", "canceled"):
            raise self._prediction_failed(prediction)
        url = _output_url(prediction.output)
        if url is None:
            raise self._unusable(where, "a succeeded prediction has no output URL")
        return RenderStatus(status="succeeded", media=await self._download(url, model))

    async def _call(self, where: str, request: Awaitable[T]) -> T:
        try:
            return await request
        except ReplicateError as exc:
            status = exc.status or 500
            delay = replicate_body_delay(exc.detail) if status == 429 else None
            raise status_error(
                status,
                None,
                exc.detail or exc.title or "no detail",
                provider=self.name,
                secret=self._secret,
                where=where,
                retry_after=delay,
            ) from None
        except httpx.TimeoutException:
            raise MediaGenerationError(
                ErrorCode.TIMEOUT, f"{where} timed out", provider=self.name
            ) from None
        except (ValueError, TypeError, KeyError) as exc:
            # The client could not build its model from the body (pydantic's
            # ValidationError is a ValueError): an answer we cannot use.
            raise self._unusable(where, f"{type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            message = scrub(f"{where} failed: {type(exc).__name__}: {exc}", self._secret)
            raise MediaGenerationError(
                ErrorCode.PROVIDER_UNAVAILABLE, message, provider=self.name
            ) from None

    async def _download(self, url: str, model: str) -> GeneratedMedia:
        # Output URLs live on a delivery host: never send the API token there.
        where = f"GET {httpx.URL(url).host}"
        response = await self._call(where, self._downloads.get(url))
        if response.status_code >= 400:
            raise status_error(
                response.status_code,
                None,
                response.text[:200],
                provider=self.name,
                secret=self._secret,
                where=where,
                retry_after=None,
            )
        if not response.content:
            raise self._unusable(where, "the output file is empty")
        declared = response.headers.get("content-type", "").split(";")[0].strip()
        mime = sniff_mime(response.content, default=declared or "application/octet-stream")
        return GeneratedMedia(data=response.content, mime_type=mime, model=model)

    def _prediction_failed(self, prediction: Prediction) -> MediaGenerationError:
        detail = self.redact(str(prediction.error or "no error message"))[:200]
        message = f"prediction {prediction.id} {prediction.status}: {detail}"
        if looks_like_policy_refusal(detail):
            return MediaGenerationError(ErrorCode.SENSITIVE_CONTENT, message, provider=self.name)
        # Polling again cannot revive a failed prediction, so this is not retryable here.
        return MediaGenerationError(ErrorCode.UNKNOWN, message, provider=self.name, retryable=False)

    def _unusable(self, where: str, problem: str) -> MediaGenerationError:
        return MediaGenerationError(
            ErrorCode.UNKNOWN,
            scrub(f"{where} returned a malformed response: {problem}", self._secret),
            provider=self.name,
        )


def _check_model(name: str, model: str) -> str:
    if not _MODEL_RE.match(model):
        raise ValueError(
            f"{name} {model!r} is not owner/name:<64-hex version> (or owner/name for an "
            "official model)"
        )
    return model


def _output_url(output: object) -> str | None:
    if isinstance(output, list) and output:
        output = output[-1]
    if isinstance(output, str) and output.startswith(("https://", "http://")):
        return output
    return None
