"""What a run has bought so far, and its recording in the lecture store, chunk by chunk.

Every chunk's outcomes are merged into the store in their own ``persist-*`` step right
after the chunk (not once at the end, as the first plan had it): a run that fails later,
or whose last step cannot reach the database, keeps everything recorded before, and a
rerun pays only for what is missing. A chunk whose persist step exhausts its retries is
kept in the run (its outcomes are memoized step outputs) and retried once per round;
only if the database is still down after the last round does the run fail, naming
``DATABASE_UNAVAILABLE``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypedDict

import inngest

from pipelines.errors import (
    LECTURE_STORE,
    ErrorCode,
    InvalidRequestError,
    LectureNotFoundError,
    MediaGenerationError,
    is_retryable,
)
from pipelines.store import update_lecture_content

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.kit._declare import Slot
    from pipelines.models import AssetOutcome, MergeSummary, SlotResult
    from pipelines.services import Services

__all__ = ["Ledger", "Unrecorded", "database_error"]


class Unrecorded(TypedDict):
    """Outcomes whose persist step failed for good: merged again in a later round."""

    kind: str
    results: list[SlotResult]


def database_error(exc: BaseException) -> MediaGenerationError:
    """A lecture-store failure, classified apart from provider errors (retryable)."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return MediaGenerationError(
        ErrorCode.DATABASE_UNAVAILABLE,
        f"could not record the results: {type(exc).__name__}: {first[:300]}",
        provider=LECTURE_STORE,
    )


class Ledger:
    """The outcomes of a run by kind and slot, and what is not recorded yet.

    Built only from memoized step outputs, so every replay rebuilds the same ledger.
    """

    def __init__(self, reuse: dict[str, list[SlotResult]] | None = None) -> None:
        self.outcomes: dict[str, dict[Slot, AssetOutcome]] = {}
        self.unrecorded: list[Unrecorded] = []
        self.written = 0
        self.kept = 0
        for kind, items in (reuse or {}).items():
            self.record(kind, items)

    def record(self, kind: str, items: Sequence[SlotResult]) -> None:
        """Note outcomes (a later one replaces an earlier one for the same slot)."""
        slots = self.outcomes.setdefault(kind, {})
        for item in items:
            slots[(item["segment"], item["index"])] = item["result"]

    def outcome(self, kind: str, slot: Slot) -> AssetOutcome | None:
        """The latest outcome of `slot` in `kind`, if any."""
        return self.outcomes.get(kind, {}).get(slot)

    def ok(self, kind: str, slot: Slot) -> bool:
        """Whether `slot` holds a success of `kind`."""
        outcome = self.outcome(kind, slot)
        return outcome is not None and outcome["ok"]

    def retryable(self, kind: str, slots: Sequence[Slot]) -> list[Slot]:
        """The slots among `slots` whose `kind` failed with a retryable code."""
        out = []
        for slot in slots:
            outcome = self.outcome(kind, slot)
            if outcome is not None and not outcome["ok"] and is_retryable(outcome["error"]["code"]):
                out.append(slot)
        return out

    def results(self, kind: str, slots: Sequence[Slot]) -> list[SlotResult]:
        """The outcomes of `slots` in `kind`, in order (slots without one are left out)."""
        out: list[SlotResult] = []
        for segment, index in slots:
            outcome = self.outcome(kind, (segment, index))
            if outcome is not None:
                out.append({"segment": segment, "index": index, "result": outcome})
        return out

    def absorb(self, child: ChildOutput) -> None:
        """Take in what a child run made and recorded."""
        for kind, items in child["outcomes"].items():
            self.record(kind, items)
        self.unrecorded.extend(child["unrecorded"])
        self.written += child["written"]
        self.kept += child["kept"]

    async def persist(
        self,
        ctx: inngest.Context,
        services: Services,
        step_id: str,
        lecture_id: str,
        batch: list[Unrecorded],
        *,
        force: bool,
    ) -> None:
        """Merge `batch` into the store in step `step_id`; keep it for later if the step
        fails for good.

        A lecture deleted mid-run cannot come back by retrying: that failure is
        non-retriable (the run fails at once and ``on_failure`` reports it).
        """
        batch = [entry for entry in batch if entry["results"]]
        if not batch:
            return

        def write() -> MergeSummary:
            total: MergeSummary = {"written": 0, "kept": 0}
            for entry in batch:
                merged = update_lecture_content(
                    services.store, lecture_id, entry["kind"], entry["results"], force=force
                )
                total["written"] += merged["written"]
                total["kept"] += merged["kept"]
            return total

        async def body() -> MergeSummary:
            try:
                return await asyncio.to_thread(write)
            except (LectureNotFoundError, InvalidRequestError) as err:
                raise inngest.NonRetriableError(f"cannot store the results: {err}") from None
            except Exception as exc:
                raise database_error(exc) from None

        try:
            merged = await ctx.step.run(step_id, body)
        except inngest.StepError as err:
            ctx.logger.warning("%s failed after retries, kept for a later round: %s", step_id, err)
            self.unrecorded.extend(batch)
            return
        self.written += merged["written"]
        self.kept += merged["kept"]

    async def retry_unrecorded(
        self,
        ctx: inngest.Context,
        services: Services,
        step_id: str,
        lecture_id: str,
        *,
        force: bool,
    ) -> None:
        """Merge everything still unrecorded, in one step."""
        batch, self.unrecorded = self.unrecorded, []
        await self.persist(ctx, services, step_id, lecture_id, batch, force=force)


class ChildOutput(TypedDict):
    """What a child run (one slice) returns to its parent."""

    outcomes: dict[str, list[SlotResult]]
    unrecorded: list[Unrecorded]
    written: int
    kept: int
