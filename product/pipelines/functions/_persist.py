"""The end of every pipeline: the ``persist-*`` step, then the terminal progress message."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import inngest

from pipelines.errors import LectureNotFoundError
from pipelines.functions._summary import summarize

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pipelines.functions._chunks import Reporter
    from pipelines.models import MergeSummary, SlotResult

__all__ = ["finish_run", "persist_step"]


async def persist_step(
    ctx: inngest.Context, step_id: str, write: Callable[[], MergeSummary]
) -> MergeSummary:
    """Run the blocking merge `write` as step `step_id`.

    A lecture deleted while its run was generating cannot come back by retrying, so that
    failure is non-retriable (the run fails at once and ``on_failure`` reports it); a
    database outage is an ordinary error that Inngest retries.
    """

    async def persist() -> MergeSummary:
        try:
            return await asyncio.to_thread(write)
        except LectureNotFoundError as err:
            raise inngest.NonRetriableError(f"cannot store the results: {err}") from None

    return await ctx.step.run(step_id, persist)


async def finish_run(
    ctx: inngest.Context,
    reporter: Reporter,
    step_id: str,
    write: Callable[[], MergeSummary],
    results: Sequence[SlotResult],
    **extra: object,
) -> dict[str, object]:
    """Persist `results`, publish the ``completed`` message, return the run's output."""
    persisted = await persist_step(ctx, step_id, write)
    summary = summarize(reporter.lecture_id, reporter.topic, results, persisted)
    summary.update(extra)
    await reporter.completed(summary)
    return summary
