"""Progress messages of a run, and the fan-out of one chunk of asset steps.

Progress messages follow the contract in `pipelines.progress`. Each chunk's callables are
launched together (`ctx.group.parallel`) and awaited before the next chunk starts, so at
most one chunk of provider calls is in flight. Each callable catches `inngest.StepError`
itself: an un-caught one would propagate out of the group and fail the whole lecture.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from typing import TYPE_CHECKING

import inngest

from pipelines.errors import is_retryable
from pipelines.progress import FINAL_SEQ, PROGRESS_VERSION, asset_key, channel_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator, Sequence

    from pipelines.assets import AssetStore
    from pipelines.models import AssetOutcome, SlotResult
    from pipelines.services import Services

__all__ = ["Reporter", "publish_step", "run_chunk", "slot_result"]


def slot_result(segment: int, index: int, result: AssetOutcome) -> SlotResult:
    """Place an outcome at its (segment, index)."""
    return {"segment": segment, "index": index, "result": result}


async def run_chunk(
    ctx: inngest.Context, calls: Sequence[Callable[[], Awaitable[SlotResult]]]
) -> list[SlotResult]:
    """Run one chunk of asset callables in parallel and return their results in order."""
    return list(await ctx.group.parallel(tuple(calls)))


@dataclasses.dataclass(frozen=True, slots=True)
class Reporter:
    """Publishes one run's progress messages (the contract is in `pipelines.progress`).

    Each message goes out inside its own memoized step, so a replay never publishes it
    again; a step that runs again (a lost response) repeats the message with the same
    ``seq``, which consumers drop. Chunk messages are numbered in publish order, which is
    the same on every replay. A publish that keeps failing is logged and skipped:
    progress is advisory and must not fail a lecture.

    A child run (one slice of a long lecture) names its parent in ``parent_run_id``, so a
    consumer folds the slices into the parent's run.
    """

    ctx: inngest.Context
    client: inngest.Inngest
    services: Services
    lecture_id: str
    topic: str
    parent_run_id: str | None = None
    _seq: Iterator[int] = dataclasses.field(default_factory=itertools.count)

    async def chunk(
        self,
        phase: str,
        kind: str,
        position: tuple[int, int],
        counts: tuple[int, int],
        results: Sequence[SlotResult],
        *,
        suffix: str = "",
        follow_up: bool = False,
    ) -> None:
        """Publish the outcomes of chunk ``position = (chunk, chunks)`` of `phase` in step
        ``progress-{phase}-{chunk}{suffix}``; ``counts = (done, total)``. With `follow_up`,
        a retryable failure is marked ``retry: true`` (a later round tries it again)."""
        assets = self.services.assets
        chunk, chunks = position

        def items() -> list[dict[str, object]]:
            return [_progress_item(kind, item, assets, follow_up) for item in results]

        await self.publish(
            f"progress-{phase}-{chunk}{suffix}",
            {
                "phase": phase,
                "seq": next(self._seq),
                "status": "running",
                "chunk": chunk,
                "chunks": chunks,
                "completed": counts[0],
                "total": counts[1],
            },
            results=items,
        )

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
            if self.parent_run_id is not None:
                message["parent_run_id"] = self.parent_run_id
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


def _progress_item(
    kind: str, item: SlotResult, assets: AssetStore, follow_up: bool
) -> dict[str, object]:
    result = item["result"]
    segment, index = item["segment"], item["index"]
    entry: dict[str, object] = {
        "key": asset_key(kind, segment, index),
        "kind": kind,
        "segment": segment,
        "index": index,
    }
    if result["ok"]:
        # A URL the browser can load (None for file:// stores): signed when sent.
        entry.update(ok=True, uri=result["asset"]["uri"], url=assets.url_for(result["asset"]))
    else:
        entry.update(ok=False, error=result["error"])
        if follow_up and is_retryable(result["error"]["code"]):
            entry["retry"] = True
    return entry
