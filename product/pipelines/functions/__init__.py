"""The four Inngest functions, built around injected `Services`.

=========================== =============================== ===================================
function id                 trigger event                   worst-case steps
=========================== =============================== ===================================
generate-segment-images     lecture/images.requested        3 + S*I + ceil(S*I/C)
generate-narration          lecture/narration.requested     2 + S + ceil(S/C)
generate-music              lecture/music.requested         4
generate-segment-videos     lecture/videos.requested        3 + 2*S + 2*S*P + 2*ceil(S/C)
=========================== =============================== ===================================

Event data: ``{"lecture_id": str, "user_id": str, "force": bool (default false)}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.functions import _images, _music, _narration, _videos

if TYPE_CHECKING:
    import inngest

    from pipelines.services import Services

__all__ = ["FUNCTION_IDS", "TRIGGERS", "build_functions"]

FUNCTION_IDS = (
    _images.FUNCTION_ID,
    _narration.FUNCTION_ID,
    _music.FUNCTION_ID,
    _videos.FUNCTION_ID,
)
TRIGGERS = {
    _images.FUNCTION_ID: _images.TRIGGER,
    _narration.FUNCTION_ID: _narration.TRIGGER,
    _music.FUNCTION_ID: _music.TRIGGER,
    _videos.FUNCTION_ID: _videos.TRIGGER,
}


def build_functions(client: inngest.Inngest, services: Services) -> list[inngest.Function[Any]]:
    """Create the four pipelines, bound to `client` and `services`.

    Nothing is global: build as many independent sets as you like (one per test, say).

    Args:
        client: The Inngest client the functions belong to.
        services: Stores, providers and knobs (see `Services`).

    Returns:
        ``[generate-segment-images, generate-narration, generate-music,
        generate-segment-videos]``.
    """
    return [
        _images.build_images_function(client, services),
        _narration.build_narration_function(client, services),
        _music.build_music_function(client, services),
        _videos.build_videos_function(client, services),
    ]
