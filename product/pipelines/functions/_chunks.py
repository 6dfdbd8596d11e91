"""Chunked fan-out over `ctx.group.parallel`, with one progress step per chunk.

Progress messages follow the contract in `pipelines.progress`.

Each chunk's callables are launched together and awaited before the next chunk starts, so at
most one chunk of provider calls is in flight. Each callable catches `inngest.StepError`
itself: an un-caught one would propagate out of the group and fail the whole lecture.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from typing import TYPE_CHECKING

import inngest

from pipelines.orchestrators import failure_from_step_error
from pipelines.progress import FINAL_SEQ, PROGRESS_VERSION, asset_key, channel_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from pipelines.assets import AssetStore
    from pipelines.models import AssetKind, AssetOutcome, SlotResult
    from pipelines.services import Services

__all__ = [
    "Progress",
    "Reporter",
    "guarded_step",
    "publish_step",
    "run_in_chunks",
    "slot_result",
]


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
class Reporter:
    """Publishes one run's progress messages (the contract is in `pipelines.progress`).

    Each message goes out inside its own memoized step, so a replay never publishes it
    again; a step that runs again (a lost response) repeats the message with the same
    ``seq``, which consumers drop. A publish that keeps failing is logged and skipped:
    progress is advisory and must not fail a lecture.
    """

    ctx: inngest.Context
    client: inngest.Inngest
    services: Services
    lecture_id: str
    topic: str

    def phase(self, name: str, kind: AssetKind, total: int, *, first_seq: int = 0) -> Progress:
        """The reporter of one chunked phase: step ids ``progress-{name}-{chunk}``."""
        return Progress(self, name, kind, total, first_seq)

    async def publish(
        self,
        step_id: str,
        data: dict[str, object],
        *,
        results: Callable[[], list[dict[str, object]]] | None = None,
    ) -> None:
        """Publish `data` (plus the run's identity) in step `step_id`.

        `results` builds the per-asset entries inside the step (in a thread: it may sign
        URLs), so they are made when the message is actually sent.
        """

        async def build() -> dict[str, object]:
            message: dict[str, object] = {
                "v": PROGRESS_VERSION,
                "run_id": self.ctx.run_id,
                "lecture_id": self.lecture_id,
                "kind": self.topic,
                **data,
            }
            if results is not None:
                message["results"] = await asyncio.to_thread(results)
            return message

        await publish_step(
            self.ctx, self.client, self.services, step_id, self.lecture_id, self.topic, build
        )

    async def completed(self, summary: dict[str, object]) -> None:
        """The terminal message of a run that persisted its results."""
        await self.publish(
            f"progress-{self.topic}-done",
            {"phase": self.topic, "seq": FINAL_SEQ, "status": "completed", "summary": summary},
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """One ``running`` message per chunk of a phase, with ``seq = first_seq + chunk``."""

    reporter: Reporter
    name: str
    kind: AssetKind
    total: int
    first_seq: int = 0

    async def report(
        self, chunk: int, chunks: int, done: int, results: Sequence[SlotResult]
    ) -> None:
        """Publish the outcomes of chunk `chunk` (0-based) of `chunks`."""
        assets = self.reporter.services.assets

        def items() -> list[dict[str, object]]:
            return [_progress_item(self.kind, item, assets) for item in results]

        await self.reporter.publish(
            f"progress-{self.name}-{chunk}",
            {
                "phase": self.name,
                "seq": self.first_seq + chunk,
                "status": "running",
                "chunk": chunk,
                "chunks": chunks,
                "completed": done,
                "total": self.total,
            },
            results=items,
        )


async def publish_step(
    ctx: inngest.Context,
    client: inngest.Inngest,
    services: Services,
    step_id: str,
    lecture_id: str,
    topic: str,
    build: Callable[[], Awaitable[dict[str, object]]],
) -> None:
    """Publish the message `build` makes on the lecture's channel, inside step `step_id`;
    log (and carry on) when the step fails for good."""

    async def send() -> None:
        await services.publish(client, channel_for(lecture_id), topic, await build())

    try:
        await ctx.step.run(step_id, send)
    except inngest.StepError as err:
        ctx.logger.warning("progress publish %s failed after retries: %s", step_id, err)


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
        await progress.report(chunk, chunks, len(results), outputs)
    return results


def _progress_item(kind: AssetKind, item: SlotResult, assets: AssetStore) -> dict[str, object]:
    result = item["result"]
    segment, index = item["segment"], item["index"]
    entry: dict[str, object] = {
        "key": asset_key(kind.value, segment, index),
        "kind": kind.value,
        "segment": segment,
        "index": index,
    }
    if result["ok"]:
        # A URL the browser can load (None for file:// stores): signed when sent.
        entry.update(ok=True, uri=result["asset"]["uri"], url=assets.url_for(result["asset"]))
    else:
        entry.update(ok=False, error=result["error"])
    return entry
