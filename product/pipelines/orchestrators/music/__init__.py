"""Music: the prompt, start/poll helpers, and persistence."""

from __future__ import annotations

from pipelines.orchestrators.music._generate import (
    DEFAULT_MUSIC_SECONDS,
    generate_single_music,
    poll_single_music,
    start_single_music,
)
from pipelines.orchestrators.music._persist import persist_music
from pipelines.orchestrators.music._prompts import music_prompt

__all__ = [
    "DEFAULT_MUSIC_SECONDS",
    "generate_single_music",
    "music_prompt",
    "persist_music",
    "poll_single_music",
    "start_single_music",
]
