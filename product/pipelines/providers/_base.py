"""The provider interfaces the orchestrators call.

Each method either returns media or raises `MediaGenerationError` with a classified code.
Anything else a provider raises is a bug; orchestrators wrap it as ``UNKNOWN``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipelines.models import GeneratedMedia

__all__ = [
    "ImageProvider",
    "MusicProvider",
    "PromptProvider",
    "Provider",
    "RenderStatus",
    "SpeechProvider",
    "StartingImage",
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


@dataclasses.dataclass(frozen=True, slots=True)
class RenderStatus:
    """One poll of an asynchronous render (music, video): still running, or done."""

    status: str
    media: GeneratedMedia | None = None

    @property
    def done(self) -> bool:
        """Whether the render finished (successful renders carry `media`)."""
        return self.media is not None


# The name of earlier releases, when only videos were polled.
VideoStatus = RenderStatus


@runtime_checkable
class MusicProvider(Provider, Protocol):
    """Renders one background music track, asynchronously: start, then poll.

    Starting and polling are separate calls so that each is its own Inngest step: a poll
    that fails and is retried never starts (and pays for) a second render.
    """

    async def start_music(self, prompt: str, *, duration_seconds: int) -> str:
        """Start a render of about `duration_seconds` and return its id without waiting."""
        ...

    async def poll_music(self, render_id: str) -> RenderStatus:
        """Return the render's state; raise `MediaGenerationError` if it failed."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class StartingImage:
    """The still a video starts from, as a provider may take it.

    Args:
        mime_type: Its media type.
        url: A URL the provider can fetch without credentials (a presigned object-store
            URL), when the asset store can make one.
        load: Reads the bytes (blocking I/O: call it in a thread), for providers that
            need them or when there is no URL.
    """

    mime_type: str
    url: str | None
    load: Callable[[], bytes] = dataclasses.field(repr=False)


@runtime_checkable
class VideoProvider(Provider, Protocol):
    """Renders a short video from a starting image, asynchronously."""

    async def start_video(self, prompt: str, image: StartingImage) -> str:
        """Start a render and return its prediction id without waiting."""
        ...

    async def poll_video(self, prediction_id: str) -> RenderStatus:
        """Return the render's state; raise `MediaGenerationError` if it failed."""
        ...
