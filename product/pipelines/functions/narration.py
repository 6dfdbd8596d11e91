"""``generate-narration``: one narration audio per segment; the text is the prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.errors import ErrorCode, InvalidRequestError, MediaGenerationError
from pipelines.kit import Phase, Pipeline
from pipelines.models import AssetKind
from pipelines.orchestrators import failure
from pipelines.orchestrators.audio import generate_single_narration, narration_text

if TYPE_CHECKING:
    from pipelines.kit import AssetJob
    from pipelines.models import AssetOutcome

__all__ = ["NARRATION"]


async def _narration(job: AssetJob) -> AssetOutcome:
    services = job.services

    async def body() -> AssetOutcome:
        try:
            text = narration_text(job.segment)
        except InvalidRequestError as err:
            return failure(
                MediaGenerationError(ErrorCode.INVALID_INPUT, str(err), provider="pipeline")
            )
        return await generate_single_narration(
            text,
            provider=services.speech,
            assets=services.assets,
            context=job.context(),
            voice=services.voice,
        )

    return await job.step(body)


NARRATION = Pipeline(
    function_id="generate-narration",
    trigger="lecture/narration.requested",
    topic="narration",
    phases=(
        Phase(
            name="narration",
            kind=AssetKind.NARRATION,
            provider=lambda services: services.speech,
            make=_narration,
        ),
    ),
)
