"""The offline provider: real, deterministic files with no network and no keys.

It is the default when no API keys are configured, so the demo runs anywhere. Markers in
a prompt or text simulate provider behaviour, deterministically:

* ``[sensitive]``: refuse with ``SENSITIVE_CONTENT`` (non-retryable, user action required);
* ``[unavailable]``: fail with ``PROVIDER_UNAVAILABLE`` on every attempt (retryable);
* ``[rate-limited]``: fail with ``RATE_LIMITED`` and a 1-second ``retry_after``;
* ``[slow-render]``: a video or music render that never finishes (exercises the poll limit).
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING

from pipelines._markers import (
    RATE_LIMITED_MARKER,
    SENSITIVE_MARKER,
    SLOW_RENDER_MARKER,
    UNAVAILABLE_MARKER,
)
from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.models import GeneratedMedia
from pipelines.providers._base import RenderStatus

if TYPE_CHECKING:
    from pipelines.providers._base import StartingImage
from pipelines.providers._local_media import (
    render_gif,
    render_music_wav,
    render_png,
    render_speech_wav,
)

__all__ = [
    "RATE_LIMITED_MARKER",
    "SENSITIVE_MARKER",
    "SLOW_RENDER_MARKER",
    "UNAVAILABLE_MARKER",
    "LocalProvider",
    "check_markers",
]

_MODEL = "local-v1"
_MAX_MUSIC_SECONDS = 8
_SLOW_PREFIX = "local-slow-"
_MUSIC_PREFIX = "local-music-"
_SLOW_MUSIC = "slow-"


class LocalProvider:
    """Implements every provider interface offline.

    Args:
        image_size: Edge length in pixels of generated stills (the requested size is ignored
            to keep files small).
        video_polls_until_ready: Polls a video reports ``processing`` before it succeeds.
    """

    name = "local"

    def __init__(self, *, image_size: int = 256, video_polls_until_ready: int = 1) -> None:
        if image_size < 8:
            raise ValueError(f"image_size must be >= 8 pixels, got {image_size}")
        if video_polls_until_ready < 1:
            raise ValueError(f"video_polls_until_ready must be >= 1, got {video_polls_until_ready}")
        self.image_size = image_size
        self.video_polls_until_ready = video_polls_until_ready
        # In-memory render state: losing it (a restart) only means the render is ready at once
        # and animates a seeded still instead of the starting image.
        self._renders: dict[str, bytes] = {}
        self._polls: dict[str, int] = {}
        self._tracks: dict[str, tuple[str, int]] = {}

    def __repr__(self) -> str:
        return f"LocalProvider(image_size={self.image_size})"

    def redact(self, text: str) -> str:
        """Return `text` unchanged: the local provider holds no secrets."""
        return text

    async def complete(self, system: str, user: str) -> str:
        """Return the user message itself, so markers in a brief reach the generation steps."""
        return " ".join(user.split())

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        """Return a seeded PNG still."""
        check_markers(prompt)
        data = render_png(prompt, width=self.image_size, height=self.image_size)
        return GeneratedMedia(data=data, mime_type="image/png", model=_MODEL)

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        """Return a WAV with one tone per word of `text`."""
        check_markers(text)
        if not text.strip():
            raise MediaGenerationError(
                ErrorCode.INVALID_INPUT, "narration text is empty", provider=self.name
            )
        return GeneratedMedia(
            data=render_speech_wav(f"{voice}:{text}"), mime_type="audio/wav", model=_MODEL
        )

    async def start_music(self, prompt: str, *, duration_seconds: int) -> str:
        """Start a track of seeded chords (at most 8 seconds, to keep files small)."""
        check_markers(prompt)
        seconds = max(1, min(duration_seconds, _MAX_MUSIC_SECONDS))
        digest = hashlib.sha256(f"{seconds}:{prompt}".encode()).hexdigest()[:24]
        slow = _SLOW_MUSIC if SLOW_RENDER_MARKER in prompt else ""
        render_id = _MUSIC_PREFIX + slow + digest
        self._tracks[render_id] = (prompt, seconds)
        return render_id

    async def poll_music(self, render_id: str) -> RenderStatus:
        """The track is ready at the first poll: a WAV of chords seeded by the prompt."""
        if not render_id.startswith(_MUSIC_PREFIX):
            raise MediaGenerationError(
                ErrorCode.INVALID_INPUT,
                f"render id {render_id!r} was not issued by the local provider",
                provider=self.name,
            )
        if render_id.startswith(_MUSIC_PREFIX + _SLOW_MUSIC):
            return RenderStatus(status="processing")
        # After a restart the prompt is gone: the id itself seeds the chords then.
        seed, seconds = self._tracks.get(render_id, (render_id, _MAX_MUSIC_SECONDS))
        data = render_music_wav(seed, seconds=seconds)
        media = GeneratedMedia(data=data, mime_type="audio/wav", model=_MODEL)
        return RenderStatus(status="succeeded", media=media)

    async def start_video(self, prompt: str, image: StartingImage) -> str:
        """Start a render; the id is derived from the prompt and the image's bytes."""
        check_markers(prompt)
        data = await asyncio.to_thread(image.load)
        digest = hashlib.sha256(prompt.encode("utf-8") + b"\0" + data).hexdigest()[:24]
        # The slow marker is encoded in the id so a poll needs no state to honour it.
        prefix = _SLOW_PREFIX if SLOW_RENDER_MARKER in prompt else "local-"
        prediction_id = prefix + digest
        self._renders[prediction_id] = data
        return prediction_id

    async def poll_video(self, prediction_id: str) -> RenderStatus:
        """Report ``processing`` for the first polls, then an animated GIF."""
        if not prediction_id.startswith("local-") or prediction_id.startswith(_MUSIC_PREFIX):
            raise MediaGenerationError(
                ErrorCode.INVALID_INPUT,
                f"prediction id {prediction_id!r} was not issued by the local provider",
                provider=self.name,
            )
        if prediction_id.startswith(_SLOW_PREFIX):
            return RenderStatus(status="processing")
        polls = self._polls.get(prediction_id, 0) + 1
        self._polls[prediction_id] = polls
        known = prediction_id in self._renders
        if known and polls < self.video_polls_until_ready:
            return RenderStatus(status="processing")
        data = render_gif(prediction_id, base_image=self._renders.get(prediction_id))
        media = GeneratedMedia(data=data, mime_type="image/gif", model=_MODEL)
        return RenderStatus(status="succeeded", media=media)


def check_markers(text: str) -> None:
    """Raise the classified error a marker in `text` simulates (see the module docstring);
    for offline providers of new pipelines too."""
    if SENSITIVE_MARKER in text:
        raise MediaGenerationError(
            ErrorCode.SENSITIVE_CONTENT,
            "the request was refused by the content policy (simulated by the "
            f"{SENSITIVE_MARKER} marker): edit the segment's text or brief",
            provider="local",
        )
    if UNAVAILABLE_MARKER in text:
        raise MediaGenerationError(
            ErrorCode.PROVIDER_UNAVAILABLE,
            f"the provider is unavailable (simulated by the {UNAVAILABLE_MARKER} marker)",
            provider="local",
        )
    if RATE_LIMITED_MARKER in text:
        raise MediaGenerationError(
            ErrorCode.RATE_LIMITED,
            f"too many requests (simulated by the {RATE_LIMITED_MARKER} marker)",
            provider="local",
            retry_after=1.0,
        )
