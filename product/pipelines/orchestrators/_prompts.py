"""Prompt writing shared by the image and video orchestrators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.errors import MediaGenerationError
from pipelines.orchestrators._single import unknown_error

if TYPE_CHECKING:
    from pipelines.providers import PromptProvider

__all__ = ["MAX_BRIEF_CHARS", "write_prompt"]

# Image models cap prompt length (DALL-E 3: 4,000 chars); a brief longer than this is a
# description, not a prompt, and the cut keeps room for the composition hints.
MAX_BRIEF_CHARS = 800


async def write_prompt(provider: PromptProvider, system: str, brief: str) -> str:
    """Ask the chat model to turn `brief` into a prompt.

    A non-retryable refusal falls back to the brief itself, so the generation step (which
    has its own failure record) decides; retryable errors are raised for the step to retry.
    """
    brief = " ".join(brief.split())[:MAX_BRIEF_CHARS]
    try:
        text = await provider.complete(system, brief)
    except MediaGenerationError as err:
        if err.retryable:
            raise
        return brief
    except Exception as exc:
        raise unknown_error(exc, provider) from None
    return " ".join(text.split())[:MAX_BRIEF_CHARS] or brief
