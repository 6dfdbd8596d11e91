"""Videos: prompts, starting images, start/poll render helpers, and persistence."""

from __future__ import annotations

from pipelines.orchestrators.video._generate import (
    DEFAULT_START_IMAGE_SIZE,
    VideoPoll,
    VideoStarted,
    generate_single_starting_image,
    generate_single_video,
    poll_single_video,
    render_timeout,
    start_single_video,
    starting_image,
)
from pipelines.orchestrators.video._persist import persist_videos
from pipelines.orchestrators.video._prompts import (
    VideoPrompt,
    build_video_prompts,
    template_video_prompts,
)

__all__ = [
    "DEFAULT_START_IMAGE_SIZE",
    "VideoPoll",
    "VideoPrompt",
    "VideoStarted",
    "build_video_prompts",
    "generate_single_starting_image",
    "generate_single_video",
    "persist_videos",
    "poll_single_video",
    "render_timeout",
    "start_single_video",
    "starting_image",
    "template_video_prompts",
]
