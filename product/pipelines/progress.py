"""The progress contract: what the pipelines publish on Inngest Realtime, and how a
consumer reads it exactly once.

Channel ``lecture:{lecture_id}``, one topic per pipeline: ``images``, ``narration``,
``music``, ``videos`` (`TOPICS`), and the topic of any pipeline you add. Every message is
a `ProgressMessage`:

* ``status: "running"`` after each chunk of parallel steps, with that chunk's assets;
* ``status: "completed"`` once, after the persist step, with the run's summary;
* ``status: "failed"`` once, from the function's ``on_failure`` handler, with the error.

Delivery is at least once: a publish step whose response is lost runs again and sends its
message again. Every message of a run carries the run id and a ``seq`` that a re-executed
step repeats (chunk messages count up from 0 in publish order; a terminal message has
`FINAL_SEQ`, above any chunk's), so ``(run_id, seq)`` identifies a message and a consumer
drops repeats. `ProgressFeed` does that; so can a browser, with the same two fields.
A long lecture's slices run as child runs: their messages carry the parent's id in
``parent_run_id``, and belong to the parent's run. A retryable failure that a later
follow-up round will try again carries ``retry: true``; the asset's later message
replaces it.
Each asset carries a ``key`` (``"{kind}/{segment}/{index}"``) that is unique in the
lecture.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from pipelines.limits import MAX_STEPS_PER_RUN

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pipelines.models import AssetError

__all__ = [
    "FINAL_SEQ",
    "PROGRESS_VERSION",
    "TOPICS",
    "ProgressAsset",
    "ProgressFeed",
    "ProgressMessage",
    "RunProgress",
    "asset_key",
    "channel_for",
]

PROGRESS_VERSION = 1
# A run has fewer than MAX_STEPS_PER_RUN steps, so fewer chunk messages: this is above all.
FINAL_SEQ = MAX_STEPS_PER_RUN
# The built-in pipelines' topics; `pipelines.functions.topics` gives those of any set.
TOPICS = ("images", "narration", "music", "videos")

Status = Literal["running", "completed", "failed"]


class ProgressAsset(TypedDict, total=False):
    """One asset's outcome in a ``running`` message."""

    key: str
    kind: str
    segment: int
    index: int
    ok: bool
    uri: str
    url: str | None
    error: AssetError
    retry: bool


class ProgressMessage(TypedDict, total=False):
    """A realtime message of the pipelines (see the module docstring)."""

    v: int
    run_id: str
    parent_run_id: str
    lecture_id: str
    kind: str
    phase: str
    seq: int
    status: Status
    chunk: int
    chunks: int
    completed: int
    total: int
    results: list[ProgressAsset]
    summary: dict[str, object]
    error: dict[str, object]


def channel_for(lecture_id: str) -> str:
    """The realtime channel of a lecture."""
    return f"lecture:{lecture_id}"


def asset_key(kind: str, segment: int, index: int) -> str:
    """The key of an asset in progress messages: ``"{kind}/{segment}/{index}"``."""
    return f"{kind}/{segment}/{index}"


@dataclasses.dataclass
class RunProgress:
    """What a consumer knows about one run, built from its messages (repeats dropped)."""

    run_id: str
    topic: str
    status: Status = "running"
    total: int = 0
    assets: dict[str, ProgressAsset] = dataclasses.field(default_factory=dict)
    summary: dict[str, object] | None = None
    error: dict[str, object] | None = None

    @property
    def ok(self) -> int:
        """Assets reported generated."""
        return sum(1 for asset in self.assets.values() if asset.get("ok"))

    @property
    def failed(self) -> int:
        """Assets reported failed."""
        return sum(1 for asset in self.assets.values() if not asset.get("ok"))


class ProgressFeed:
    """Reads progress messages exactly once per ``(run_id, seq)``.

    Feed it every message received on a lecture's channel, in any order and with repeats;
    `runs` holds one `RunProgress` per run.
    """

    def __init__(self) -> None:
        self.runs: dict[str, RunProgress] = {}
        self.duplicates = 0
        self._seen: set[tuple[str, int]] = set()

    def accept(self, topic: str, data: Mapping[str, Any]) -> bool:
        """Apply one message; return False (and change nothing) for a repeat or a message
        that does not follow the contract."""
        run_id, seq = data.get("run_id"), data.get("seq")
        if not isinstance(run_id, str) or not isinstance(seq, int):
            return False
        if (run_id, seq) in self._seen:
            self.duplicates += 1
            return False
        self._seen.add((run_id, seq))
        parent = data.get("parent_run_id")
        root = parent if isinstance(parent, str) and parent else run_id
        run = self.runs.setdefault(root, RunProgress(run_id=root, topic=topic))
        status = data.get("status")
        if status == "running":
            if data.get("phase", topic) == topic:  # videos' start-image phase is a prelude
                if not parent:  # a slice's total is its own; the parent's is the lecture's
                    run.total = max(run.total, int(data.get("total", run.total)))
                for asset in data.get("results", []):
                    run.assets[str(asset.get("key"))] = asset
        elif status in ("completed", "failed"):
            run.status = status
            run.summary = data.get("summary")
            if isinstance(run.summary, dict):
                counts = (run.summary.get("generated"), run.summary.get("failed"))
                if all(isinstance(c, int) for c in counts):
                    run.total = sum(c for c in counts if isinstance(c, int))
            run.error = data.get("error")
        return True
