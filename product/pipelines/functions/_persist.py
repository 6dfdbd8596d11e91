"""The ``persist-*`` step shared by the pipelines."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import inngest

from pipelines.errors import LectureNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable

    from pipelines.models import MergeSummary

__all__ = ["persist_step"]


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
