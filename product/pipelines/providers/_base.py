"""The provider interfaces the orchestrators call.

Each method either returns media or raises `MediaGenerationError` with a classified code.
Anything else a provider raises is a bug; orchestrators wrap it as ``UNKNOWN``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pipelines.models import GeneratedMedia

__all__ = [
    "ImageProvider",
    "MusicProvider",
    "PromptProvider",
    "Provider",
    "SpeechProvider",
    "VideoProvider",
    "VideoStatus",
]


@runtime_checkable
class Provider(Protocol):
    """What every provider has: a short name and a way to scrub its secrets from text."""

    @property
    def name(self) -> str:
        """Short provider name used in error records, e.g. ``"openai"``."""
        ...

    def redact(self, text: str) -> str:
        """Return `text` with any credential this provider holds replaced by ``***``."""
        ...


@runtime_checkable
class PromptProvider(Provider, Protocol):
    """Turns a brief into a generation prompt (an OpenAI-compatible chat model)."""

    async def complete(self, system: str, user: str) -> str:
        """Return the model's answer to one system + user message pair."""
        ...


@runtime_checkable
class ImageProvider(Provider, Protocol):
    """Generates one still image from a prompt."""

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        """Return one image; `size` is ``"<width>x<height>"``."""
        ...


@runtime_checkable
class SpeechProvider(Provider, Protocol):
    """Reads text aloud."""

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        """Return narration audio for `text`."""
        ...


@runtime_checkable
class MusicProvider(Provider, Protocol):
    """Generates one background music track, waiting for it to finish."""

    async def generate_music(self, prompt: str, *, duration_seconds: int) -> GeneratedMedia:
        """Return a music track of about `duration_seconds`."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class VideoStatus:
    """One poll of a video render: still running, or done with its media."""

    status: str
    media: GeneratedMedia | None = None

    @property
    def done(self) -> bool:
        """Whether the render finished (successful renders carry `media`)."""
        return self.media is not None


@runtime_checkable
class VideoProvider(Provider, Protocol):
    """Renders a short video from a starting image, asynchronously."""

    async def start_video(self, prompt: str, image: bytes, mime_type: str) -> str:
        """Start a render and return its prediction id without waiting."""
        ...

    async def poll_video(self, prediction_id: str) -> VideoStatus:
        """Return the render's state; raise `MediaGenerationError` if it failed."""
        ...
