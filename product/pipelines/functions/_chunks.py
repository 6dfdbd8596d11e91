"""Chunked fan-out over `ctx.group.parallel`, with one progress step per chunk.

Each chunk's callables are launched together and awaited before the next chunk starts, so at
most one chunk of provider calls is in flight. Each callable catches `inngest.StepError`
itself: an un-caught one would propagate out of the group and fail the whole lecture.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import inngest

from pipelines.orchestrators import failure_from_step_error

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from pipelines.models import AssetOutcome, SlotResult
    from pipelines.services import Publisher

__all__ = ["Progress", "guarded_step", "run_in_chunks", "slot_result"]


def slot_result(segment: int, index: int, result: AssetOutcome) -> SlotResult:
    """Place an outcome at its (segment, index)."""
    return {"segment": segment, "index": index, "result": result}


def guarded_step(
    ctx: inngest.Context,
    step_id: str,
    handler: Callable[[], Awaitable[AssetOutcome]],
    *,
    segment: int,
    index: int,
    provider: str,
) -> Callable[[], Awaitable[SlotResult]]:
    """Return a callable running `handler` as step `step_id`; exhausted retries become a failure."""

    async def call() -> SlotResult:
        try:
            result = await ctx.step.run(step_id, handler)
        except inngest.StepError as err:
            result = failure_from_step_error(err, provider)
        return slot_result(segment, index, result)

    return call


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """Publishes one realtime message per chunk, inside its own memoized step.

    The step makes the publish happen once per chunk across replays; a publish that keeps
    failing is logged and skipped, because progress is advisory and must not fail a lecture.
    """

    client: inngest.Inngest
    publish: Publisher
    lecture_id: str
    topic: str
    step_prefix: str
    total: int

    async def report(
        self,
        ctx: inngest.Context,
        chunk: int,
        chunks: int,
        done: int,
        results: Sequence[SlotResult],
    ) -> None:
        """Publish the outcomes of chunk `chunk` (0-based) of `chunks`."""
        data: dict[str, object] = {
            "lecture_id": self.lecture_id,
            "kind": self.topic,
            "phase": self.step_prefix.removeprefix("progress-"),
            "chunk": chunk,
            "chunks": chunks,
            "completed": done,
            "total": self.total,
            "results": [_progress_item(item) for item in results],
        }

        async def send() -> None:
            await self.publish(self.client, f"lecture:{self.lecture_id}", self.topic, data)

        try:
            await ctx.step.run(f"{self.step_prefix}-{chunk}", send)
        except inngest.StepError as err:
            ctx.logger.warning(
                "progress publish %s-%s failed after retries: %s", self.step_prefix, chunk, err
            )


async def run_in_chunks(
    ctx: inngest.Context,
    calls: Sequence[Callable[[], Awaitable[SlotResult]]],
    *,
    chunk_size: int,
    progress: Progress,
) -> list[SlotResult]:
    """Run `calls` in chunks of `chunk_size` via `ctx.group.parallel`, reporting each chunk."""
    results: list[SlotResult] = []
    chunks = math.ceil(len(calls) / chunk_size)
    for chunk in range(chunks):
        batch = tuple(calls[chunk * chunk_size : (chunk + 1) * chunk_size])
        outputs = await ctx.group.parallel(batch)
        results.extend(outputs)
        await progress.report(ctx, chunk, chunks, len(results), outputs)
    return results


def _progress_item(item: SlotResult) -> dict[str, object]:
    result = item["result"]
    entry: dict[str, object] = {"segment": item["segment"], "index": item["index"]}
    if result["ok"]:
        entry.update(ok=True, uri=result["asset"]["uri"])
    else:
        entry.update(ok=False, error=result["error"])
    return entry
