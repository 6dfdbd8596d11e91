"""Images: prompt generation, the single-image helper, persistence, and the batch path."""

from __future__ import annotations

from pipelines.orchestrators.image._generate import DEFAULT_IMAGE_SIZE, generate_single_image
from pipelines.orchestrators.image._persist import persist_images
from pipelines.orchestrators.image._prompts import (
    ImagePrompt,
    build_image_prompts,
    template_image_prompts,
)
from pipelines.orchestrators.image._throttled import generate_images_throttled

__all__ = [
    "DEFAULT_IMAGE_SIZE",
    "ImagePrompt",
    "build_image_prompts",
    "generate_images_throttled",
    "generate_single_image",
    "persist_images",
    "template_image_prompts",
]
