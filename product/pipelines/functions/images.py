"""``generate-segment-images``: I images per segment, from prompts a model writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.kit import Phase, Pipeline, Prepare, slot_key
from pipelines.models import AssetKind
from pipelines.orchestrators.image import (
    build_image_prompts,
    generate_single_image,
    template_image_prompts,
)

if TYPE_CHECKING:
    from pipelines.kit import AssetJob, Slot
    from pipelines.models import AssetOutcome, Lecture
    from pipelines.orchestrators.image import ImagePrompt
    from pipelines.services import Services

__all__ = ["IMAGES"]


def _slots(lecture: Lecture, services: Services) -> list[Slot]:
    return [(s.index, i) for s in lecture.segments for i in range(services.images_per_segment)]


def _by_slot(prompts: list[ImagePrompt], slots: list[Slot]) -> dict[str, Any]:
    wanted = set(slots)
    return {
        slot_key((p["segment"], p["index"])): p["prompt"]
        for p in prompts
        if (p["segment"], p["index"]) in wanted
    }


async def _prompts(lecture: Lecture, slots: list[Slot], services: Services) -> dict[str, Any]:
    prompts = await build_image_prompts(
        lecture, services.images_per_segment, services.prompts, concurrency=services.chunk_size
    )
    return _by_slot(prompts, slots)


def _templates(lecture: Lecture, slots: list[Slot], services: Services) -> dict[str, Any]:
    return _by_slot(template_image_prompts(lecture, services.images_per_segment), slots)


async def _image(job: AssetJob) -> AssetOutcome:
    services = job.services

    async def body() -> AssetOutcome:
        return await generate_single_image(
            job.prepared,
            provider=services.images,
            assets=services.assets,
            context=job.context(),
            size=services.image_size,
        )

    return await job.step(body)


IMAGES = Pipeline(
    function_id="generate-segment-images",
    trigger="lecture/images.requested",
    topic="images",
    slots=_slots,
    slots_formula="S*I",
    prepare=Prepare(
        build=_prompts,
        fallback=_templates,
        read_list=lambda prompts: {
            slot_key((p["segment"], p["index"])): p["prompt"] for p in prompts
        },
    ),
    phases=(
        Phase(
            name="image",
            kind=AssetKind.IMAGE,
            provider=lambda services: services.images,
            make=_image,
            indexed=True,
        ),
    ),
)
