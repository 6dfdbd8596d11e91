"""The return values of the pipelines (what the Inngest run shows as its output)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipelines.kit._plan import Plan
    from pipelines.models import MergeSummary, SlotResult

__all__ = ["skipped", "summarize"]


def skipped(plan: Plan, kind: str) -> dict[str, object]:
    """The output of a run that had nothing to do."""
    return {
        "lecture_id": plan["lecture_id"],
        "kind": kind,
        "skipped": True,
        "reason": plan["reason"],
    }


def summarize(
    lecture_id: str, kind: str, results: Sequence[SlotResult], persisted: MergeSummary
) -> dict[str, object]:
    """The output of a completed run: counts, and each failure with its reason."""
    failures = [
        {"segment": item["segment"], "index": item["index"], **item["result"]["error"]}
        for item in results
        if not item["result"]["ok"]
    ]
    return {
        "lecture_id": lecture_id,
        "kind": kind,
        "skipped": False,
        "generated": len(results) - len(failures),
        "failed": len(failures),
        "failures": failures,
        "persisted": dict(persisted),
    }
