"""How much the dev server takes in: a bound on runs not yet ended, with explicit backpressure.

Each event a send brings may start runs; when the runs still running reach the bound, the
Event API answers ``429`` with ``Retry-After`` and takes none of the send's events, so a
burst beyond what the server can serve is refused where the sender sees it, never
stalled or lost. The bound is hard: before a send is taken, the runs it would start (each
event times the functions it triggers) are counted with the runs running and those still
being created from earlier sends, and a send that would pass the bound is refused whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._runtime.assemble import RuntimeHost
from inngest_sim._server.api import ServerBusy

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState

__all__ = ["AdmittingHost", "Intake"]

#: Seconds a refused sender is asked to wait before it sends again.
RETRY_AFTER = 1


class Intake:
    """Counts runs started and not yet ended (a run listener), and admits sends."""

    def __init__(self, max_running: int) -> None:
        self.max_running = max_running
        self.running = 0
        #: Runs earlier sends will start but not yet started (a fan-out being created).
        self.queued: Callable[[], int] = lambda: 0

    def run_started(self, ops: RunOps, run: RunState) -> None:
        self.running += 1

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        self.running -= 1

    def admit(self, starting: int) -> None:
        """Raise ``ServerBusy`` (a 429) when a send that starts ``starting`` runs would
        take the running runs past the bound."""
        committed = self.running + self.queued()
        if committed + starting <= self.max_running:
            return
        if starting > self.max_running:
            why = (
                f"this send alone would start {starting} runs, more than --max-running "
                f"{self.max_running}; nothing of it was taken: split it into smaller sends, "
                "or raise --max-running"
            )
        else:
            why = (
                f"inngest-sim dev has {committed} runs running or starting and this send "
                f"would start {starting} more, past its bound (--max-running "
                f"{self.max_running}); nothing of this send was taken: send it again after "
                f"{RETRY_AFTER}s, or raise --max-running"
            )
        raise ServerBusy(RETRY_AFTER, why)


class AdmittingHost(RuntimeHost):
    """The runtime's API host, with each send admitted by ``intake`` first."""

    def __init__(self, intake: Intake, **options: Any) -> None:
        super().__init__(**options)
        self.intake = intake

    def receive_events(self, events: list[dict[str, Any]], source: str) -> list[str]:
        registry, scheduler = self.runtime.ingest.registry, self.runtime.loop.scheduler

        def starting() -> int:  # on the loop's thread, where the registry changes
            return sum(len(registry.triggered_by(event)) for event in events)

        self.intake.admit(scheduler.call_blocking(starting))
        return super().receive_events(events, source)
