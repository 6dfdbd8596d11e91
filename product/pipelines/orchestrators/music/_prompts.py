"""The music prompt: derived from the lecture title, no model call needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.models import Lecture

__all__ = ["music_prompt"]


def music_prompt(lecture: Lecture) -> str:
    """Return a prompt for calm, unobtrusive background music suited to `lecture`."""
    title = " ".join(lecture.title.split())[:120]
    return (
        f"Calm instrumental background music for an educational lecture titled '{title}'. "
        "Gentle, unobtrusive, steady tempo, no vocals."
    )
