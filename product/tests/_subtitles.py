"""A fifth pipeline written with the kit: WebVTT subtitles, one file per segment.

docs/pipelines.md shows this module; tests/test_kit.py runs it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pipelines.kit import AssetJob, Phase, Pipeline
from pipelines.models import AssetOutcome, GeneratedMedia
from pipelines.orchestrators import produce_asset
from pipelines.providers import Provider, check_markers
from pipelines.services import Services


@runtime_checkable
class SubtitleProvider(Provider, Protocol):
    async def subtitles(self, text: str) -> GeneratedMedia: ...


class LocalSubtitles:
    """Offline subtitles: one three-second cue per sentence (markers work as usual)."""

    name = "local-subtitles"

    def redact(self, text: str) -> str:
        return text

    async def subtitles(self, text: str) -> GeneratedMedia:
        check_markers(text)
        lines = ["WEBVTT", ""]
        sentences = [s.strip() for s in text.split(".") if s.strip()]
        for n, sentence in enumerate(sentences):
            lines += [f"{_clock(3 * n)} --> {_clock(3 * n + 3)}", sentence + ".", ""]
        return GeneratedMedia("\n".join(lines).encode(), "text/vtt", "local-vtt")


def _clock(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}:{seconds:02d}.000"


def _provider(services: Services) -> SubtitleProvider:
    provider = services.provider("subtitles")
    assert isinstance(provider, SubtitleProvider)
    return provider


async def _subtitles(job: AssetJob) -> AssetOutcome:
    provider = _provider(job.services)

    async def body() -> AssetOutcome:
        return await produce_asset(
            lambda: provider.subtitles(job.segment.narration_text),
            provider=provider,
            assets=job.services.assets,
            context=job.context(),
            meta={"format": "webvtt"},
        )

    return await job.step(body)


SUBTITLES = Pipeline(
    function_id="generate-subtitles",
    trigger="lecture/subtitles.requested",
    topic="subtitles",
    phases=(Phase(name="subtitles", kind="subtitle", provider=_provider, make=_subtitles),),
)
