"""OpenAI (or any OpenAI-compatible API) through the official ``openai`` client.

Prompts (chat completions), images and narration (speech). The client's own retries are
off (``max_retries=0``): each call is one Inngest step, and Inngest retries the step with
the delay the API asked for (`escalate` turns it into `inngest.RetryAfterError`).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import openai

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.models import GeneratedMedia
from pipelines.providers._errors import Secret, rate_limit_delay, scrub, status_error
from pipelines.providers._sniff import sniff_mime

if TYPE_CHECKING:
    from collections.abc import Awaitable

    import httpx2

__all__ = ["OpenAIProvider"]

_SPEECH_MIME = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac"}
T = TypeVar("T")


class OpenAIProvider:
    """Prompts, images and speech on ``/v1/chat/completions``, ``/v1/images/generations``
    and ``/v1/audio/speech``.

    Args:
        api_key: The API key (``OPENAI_API_KEY``); kept out of reprs and error messages.
        base_url: API origin; ``/v1`` is appended when missing.
        http_client: An ``httpx2.AsyncClient`` for the ``openai`` client (tests inject one
            with a mock transport); the ``openai`` default otherwise.
        timeout: Seconds per request (image generation routinely takes tens of seconds).
        chat_model: Model for prompt writing.
        image_model: Model for images; it must support ``response_format="b64_json"``.
        speech_model: Model for narration.
        speech_format: Audio format requested from the speech endpoint.
    """

    name = "openai"

    def __init__(
        self,
        api_key: str | Secret,
        *,
        base_url: str = "https://api.openai.com",
        http_client: httpx2.AsyncClient | None = None,
        timeout: float = 120.0,
        chat_model: str = "gpt-4o-mini",
        image_model: str = "dall-e-3",
        speech_model: str = "tts-1",
        speech_format: Literal["wav", "mp3", "flac"] = "wav",
    ) -> None:
        self._secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        origin = base_url.rstrip("/").removesuffix("/v1")
        self.base_url = origin
        if speech_format not in _SPEECH_MIME:
            raise ValueError(
                f"speech_format {speech_format!r} is not supported: "
                f"use one of {sorted(_SPEECH_MIME)}"
            )
        self.chat_model = chat_model
        self.image_model = image_model
        self.speech_model = speech_model
        self.speech_format = speech_format
        self._client = openai.AsyncOpenAI(
            api_key=self._secret.reveal(),
            base_url=f"{origin}/v1",
            max_retries=0,
            timeout=timeout,
            http_client=http_client,
        )

    def __repr__(self) -> str:
        return f"OpenAIProvider(base_url={self.base_url!r}, api_key=***)"

    def redact(self, text: str) -> str:
        """Return `text` with the API key replaced by ``***``."""
        return self._secret.redact(text)

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._client.close()

    async def complete(self, system: str, user: str) -> str:
        """Return the chat model's answer to one system + user message pair."""
        completion = await self._call(
            "POST /v1/chat/completions",
            self._client.chat.completions.create(
                model=self.chat_model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
            ),
        )
        content = completion.choices[0].message.content if completion.choices else None
        if not isinstance(content, str) or not content.strip():
            raise self._malformed("/v1/chat/completions", "no choices[0].message.content text")
        return content.strip()

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        """Generate one image and return its decoded bytes."""
        response = await self._call(
            "POST /v1/images/generations",
            self._client.images.generate(
                model=self.image_model,
                prompt=prompt,
                n=1,
                size=size,
                response_format="b64_json",
            ),
        )
        encoded = response.data[0].b64_json if response.data else None
        try:
            if not isinstance(encoded, str):
                raise TypeError(encoded)
            image = base64.b64decode(encoded, validate=True)
        except (TypeError, binascii.Error):
            raise self._malformed("/v1/images/generations", "no valid data[0].b64_json") from None
        mime = sniff_mime(image)
        if not mime.startswith("image/"):
            raise self._malformed("/v1/images/generations", "data[0].b64_json is not an image")
        return GeneratedMedia(data=image, mime_type=mime, model=self.image_model)

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        """Read `text` aloud and return the audio bytes."""
        response = await self._call(
            "POST /v1/audio/speech",
            self._client.audio.speech.create(
                model=self.speech_model,
                input=text,
                voice=voice,
                response_format=self.speech_format,
            ),
        )
        audio = response.content
        if not audio:
            raise self._malformed("/v1/audio/speech", "the audio body is empty")
        if response.response.headers.get("content-type", "").startswith("application/json"):
            raise self._malformed("/v1/audio/speech", "expected audio bytes, got JSON")
        return GeneratedMedia(
            data=audio, mime_type=_SPEECH_MIME[self.speech_format], model=self.speech_model
        )

    async def _call(self, where: str, request: Awaitable[T]) -> T:
        try:
            return await request
        except openai.APITimeoutError:
            raise MediaGenerationError(
                ErrorCode.TIMEOUT, f"{where} timed out", provider=self.name
            ) from None
        except openai.APIConnectionError as exc:
            message = scrub(f"{where} failed: {exc.message}", self._secret)
            raise MediaGenerationError(
                ErrorCode.PROVIDER_UNAVAILABLE, message, provider=self.name
            ) from None
        except openai.APIStatusError as exc:
            raise self._status_error(where, exc) from None
        except openai.APIResponseValidationError as exc:
            raise self._malformed(where, f"unexpected response shape: {exc.message}") from None

    def _status_error(self, where: str, exc: openai.APIStatusError) -> MediaGenerationError:
        error = _error_object(exc.body)
        hint = exc.code or error.get("code") or error.get("type") or exc.type
        detail = str(error.get("message") or exc.message)
        delay = rate_limit_delay(exc.response.headers) if exc.status_code in (429, 503) else None
        return status_error(
            exc.status_code,
            str(hint) if hint else None,
            detail,
            provider=self.name,
            secret=self._secret,
            where=where,
            retry_after=delay,
        )

    def _malformed(self, path: str, problem: str) -> MediaGenerationError:
        # Retryable UNKNOWN: a 2xx answer we cannot use is usually a glitch.
        return MediaGenerationError(
            ErrorCode.UNKNOWN,
            scrub(f"POST {path} returned a malformed response: {problem}", self._secret),
            provider=self.name,
        )


def _error_object(body: object) -> dict[str, Any]:
    # The client hands over the decoded body: {"error": {...}} or the error object itself.
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            return inner
    return {}
