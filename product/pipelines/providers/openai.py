"""An OpenAI-compatible provider: chat prompts, image generation, and speech."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from pipelines.models import GeneratedMedia
from pipelines.providers._http import Secret, dig, json_object, malformed, send
from pipelines.providers._sniff import sniff_mime

if TYPE_CHECKING:
    from collections.abc import Mapping

    import httpx

    from pipelines.errors import MediaGenerationError

__all__ = ["OpenAIProvider"]

_SPEECH_MIME = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac"}


class OpenAIProvider:
    """Talks to ``/v1/chat/completions``, ``/v1/images/generations`` and ``/v1/audio/speech``.

    Args:
        client: The HTTP client to use (inject a mocked one in tests).
        api_key: The API key (``OPENAI_API_KEY``); kept out of reprs and error messages.
        base_url: API origin; a trailing ``/v1`` is accepted and ignored.
        chat_model: Model for prompt writing.
        image_model: Model for images; it must support ``response_format="b64_json"``.
        speech_model: Model for narration.
        speech_format: Audio format requested from the speech endpoint.
    """

    name = "openai"

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_key: str | Secret,
        *,
        base_url: str = "https://api.openai.com",
        chat_model: str = "gpt-4o-mini",
        image_model: str = "dall-e-3",
        speech_model: str = "tts-1",
        speech_format: str = "wav",
    ) -> None:
        self._client = client
        self._secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self.chat_model = chat_model
        self.image_model = image_model
        self.speech_model = speech_model
        if speech_format not in _SPEECH_MIME:
            raise ValueError(
                f"speech_format {speech_format!r} is not supported: "
                f"use one of {sorted(_SPEECH_MIME)}"
            )
        self.speech_format = speech_format

    def __repr__(self) -> str:
        return f"OpenAIProvider(base_url={self.base_url!r}, api_key=***)"

    def redact(self, text: str) -> str:
        """Return `text` with the API key replaced by ``***``."""
        return self._secret.redact(text)

    async def complete(self, system: str, user: str) -> str:
        """Return the chat model's answer to one system + user message pair."""
        body = {
            "model": self.chat_model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        response = await self._post("/v1/chat/completions", body)
        data = json_object(response, provider=self.name, secret=self._secret)
        content = dig(data, "choices", 0, "message", "content")
        if not isinstance(content, str) or not content.strip():
            raise self._malformed(response, "no choices[0].message.content text")
        return content.strip()

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        """Generate one image and return its decoded bytes."""
        body = {
            "model": self.image_model,
            "prompt": prompt,
            "n": 1,
            "size": size,
            "response_format": "b64_json",
        }
        response = await self._post("/v1/images/generations", body)
        data = json_object(response, provider=self.name, secret=self._secret)
        encoded = dig(data, "data", 0, "b64_json")
        try:
            if not isinstance(encoded, str):
                raise TypeError(encoded)
            image = base64.b64decode(encoded, validate=True)
        except (TypeError, binascii.Error):
            raise self._malformed(response, "no valid data[0].b64_json image") from None
        mime = sniff_mime(image)
        if not mime.startswith("image/"):
            raise self._malformed(response, "data[0].b64_json is not an image")
        return GeneratedMedia(data=image, mime_type=mime, model=self.image_model)

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        """Read `text` aloud and return the audio bytes."""
        body = {
            "model": self.speech_model,
            "input": text,
            "voice": voice,
            "response_format": self.speech_format,
        }
        response = await self._post("/v1/audio/speech", body)
        if not response.content:
            raise self._malformed(response, "the audio body is empty")
        if response.headers.get("content-type", "").startswith("application/json"):
            raise self._malformed(response, "expected audio bytes, got JSON")
        return GeneratedMedia(
            data=response.content,
            mime_type=_SPEECH_MIME[self.speech_format],
            model=self.speech_model,
        )

    async def _post(self, path: str, body: Mapping[str, object]) -> httpx.Response:
        return await send(
            self._client,
            "POST",
            self.base_url + path,
            provider=self.name,
            secret=self._secret,
            json_body=body,
        )

    def _malformed(self, response: httpx.Response, problem: str) -> MediaGenerationError:
        return malformed(response, problem, provider=self.name, secret=self._secret)
