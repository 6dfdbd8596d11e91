"""Media providers behind small interfaces, each taking an injected `httpx.AsyncClient`.

* `OpenAIProvider`: prompts, images and narration through an OpenAI-compatible API.
* `ReplicateProvider`: music and video through a Replicate-style predictions API.
* `LocalProvider`: everything, offline and deterministic (the default without API keys).
"""

from __future__ import annotations

from pipelines.providers._base import (
    ImageProvider,
    MusicProvider,
    PromptProvider,
    Provider,
    SpeechProvider,
    VideoProvider,
    VideoStatus,
)
from pipelines.providers._http import Secret
from pipelines.providers.local import LocalProvider
from pipelines.providers.openai import OpenAIProvider
from pipelines.providers.replicate import ReplicateProvider

__all__ = [
    "ImageProvider",
    "LocalProvider",
    "MusicProvider",
    "OpenAIProvider",
    "PromptProvider",
    "Provider",
    "ReplicateProvider",
    "Secret",
    "SpeechProvider",
    "VideoProvider",
    "VideoStatus",
]
