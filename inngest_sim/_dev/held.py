"""``--no-auto-run``: runs that events trigger wait in a queue until a test drains it.

The queue sits between ingest and flow control: an event is stored, offered to waits
and cancellations as usual, and the run it would start is held. Draining hands every
held (function, event) pair to flow control, which starts the runs as it would have,
through the fan-out (``fanout.py``): in slices, other requests served between them.
Runs started otherwise (``step.invoke``) are not held: their parent waits for them.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._engine.run import RunState

if TYPE_CHECKING:
    from inngest_sim._dev.fanout import FanOut
    from inngest_sim._engine.ports import RunOps
    from inngest_sim._server.registry import FunctionSpec

__all__ = ["HeldRun", "HeldRuns"]


@dataclasses.dataclass(frozen=True, slots=True)
class HeldRun:
    spec: FunctionSpec
    event: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        return {
            "function_id": self.spec.id,
            "event_id": self.event.get("id"),
            "event": self.event,
        }


class HeldRuns:
    """Flow control for ingest, holding runs while ``hold`` is on."""

    def __init__(self, runs_to: FanOut, *, hold: bool) -> None:
        self.hold = hold
        # Where runs go, held or not: a fan-out that hands them to flow control in slices.
        self.runs_to = runs_to
        self.queue: list[HeldRun] = []

    def schedule(self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]) -> object:
        if self.hold:
            self.queue.append(HeldRun(spec, event))
            return None
        return self.runs_to.schedule(ops, spec, event)

    async def drain(self, ops: RunOps) -> list[RunState]:
        """Start every held run (in the order their events came), a slice per turn of the
        loop; returns those that started once the last was created (flow control may still
        skip, delay or batch some)."""
        held, self.queue = self.queue, []
        answers = await self.runs_to.schedule_all(ops, [(h.spec, h.event) for h in held])
        return [run for run in answers if isinstance(run, RunState)]

    def clear(self) -> int:
        """Drop every held run; returns how many there were."""
        count, self.queue = len(self.queue), []
        return count
