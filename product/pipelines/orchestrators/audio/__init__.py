"""Narration audio: input text, the single-narration helper, and persistence."""

from __future__ import annotations

from pipelines.orchestrators.audio._generate import DEFAULT_VOICE, generate_single_narration
from pipelines.orchestrators.audio._persist import persist_narration
from pipelines.orchestrators.audio._prompts import MAX_NARRATION_CHARS, narration_text

__all__ = [
    "DEFAULT_VOICE",
    "MAX_NARRATION_CHARS",
    "generate_single_narration",
    "narration_text",
    "persist_narration",
]
