"""The four built-in pipelines, declared with `pipelines.kit`, and their Inngest functions.

Event data: ``{"lecture_id": str, "user_id": str, "force": bool (default false),
"request_id": str (optional)}``. Their worst-case step counts are computed from the
declarations: see `pipelines.limits.step_table` (the docs' table is checked against it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.functions.images import IMAGES
from pipelines.functions.music import MUSIC
from pipelines.functions.narration import NARRATION
from pipelines.functions.videos import VIDEOS
from pipelines.kit import build_function

if TYPE_CHECKING:
    from collections.abc import Sequence

    import inngest

    from pipelines.kit import Pipeline
    from pipelines.services import Services

__all__ = [
    "FUNCTION_IDS",
    "IMAGES",
    "MUSIC",
    "NARRATION",
    "PIPELINES",
    "TRIGGERS",
    "VIDEOS",
    "build_functions",
    "topics",
]

PIPELINES: tuple[Pipeline, ...] = (IMAGES, NARRATION, MUSIC, VIDEOS)
FUNCTION_IDS = tuple(p.function_id for p in PIPELINES)
TRIGGERS = {p.function_id: p.trigger for p in PIPELINES}


def topics(pipelines: Sequence[Pipeline] = PIPELINES) -> list[str]:
    """The progress topics of `pipelines` (what a realtime token must cover)."""
    return list(dict.fromkeys(p.topic for p in pipelines))


def build_functions(
    client: inngest.Inngest, services: Services, pipelines: Sequence[Pipeline] = PIPELINES
) -> list[inngest.Function[Any]]:
    """Create the Inngest functions of `pipelines` (the built-in four by default), bound to
    `client` and `services`.

    Nothing is global: build as many independent sets as you like (one per test, say).
    Each pipeline gives its function and the ``{id}-slice`` child its long lectures use.
    """
    ids = [p.function_id for p in pipelines]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"two pipelines share the function id(s) {duplicates}: rename one")
    return [fn for pipeline in pipelines for fn in build_function(client, services, pipeline)]
