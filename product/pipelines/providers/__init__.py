"""Media providers behind small interfaces.

* `OpenAIProvider`: prompts, images and narration through the official ``openai`` client.
* `ReplicateProvider`: music and video through the official ``replicate`` client.
* `LocalProvider`: everything, offline and deterministic (the default without API keys).
"""

from __future__ import annotations

from pipelines.providers._base import (
    ImageProvider,
    MusicProvider,
    PromptProvider,
    Provider,
    RenderStatus,
    SpeechProvider,
    StartingImage,
    VideoProvider,
    VideoStatus,
)
from pipelines.providers._errors import Secret
from pipelines.providers.local import LocalProvider, check_markers
from pipelines.providers.openai import OpenAIProvider
from pipelines.providers.replicate import ReplicateProvider

__all__ = [
    "ImageProvider",
    "LocalProvider",
    "MusicProvider",
    "OpenAIProvider",
    "PromptProvider",
    "Provider",
    "RenderStatus",
    "ReplicateProvider",
    "Secret",
    "SpeechProvider",
    "StartingImage",
    "VideoProvider",
    "VideoStatus",
    "check_markers",
]
