"""How much the dev server takes in: a bound on runs not yet ended, with explicit backpressure.

Each event a send brings may start runs; when the runs still running reach the bound, the
Event API answers ``429`` with ``Retry-After`` and takes none of the send's events, so a
burst beyond what the server can serve is refused where the sender sees it, never
stalled or lost. The bound is checked when a send arrives (one send that starts many runs
is taken whole, so the bound is passed by at most one send's runs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._runtime.assemble import RuntimeHost
from inngest_sim._server.api import ServerBusy

if TYPE_CHECKING:
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

    def run_started(self, ops: RunOps, run: RunState) -> None:
        self.running += 1

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        self.running -= 1

    def admit(self) -> None:
        """Raise ``ServerBusy`` (a 429) when the running runs have reached the bound."""
        if self.running >= self.max_running:
            raise ServerBusy(
                RETRY_AFTER,
                f"inngest-sim dev is running {self.running} runs, its bound "
                f"(--max-running {self.max_running}); nothing of this send was taken: send it "
                f"again after {RETRY_AFTER}s, or raise --max-running",
            )


class AdmittingHost(RuntimeHost):
    """The runtime's API host, with each send admitted by ``intake`` first."""

    def __init__(self, intake: Intake, **options: Any) -> None:
        super().__init__(**options)
        self.intake = intake

    def receive_events(self, events: list[dict[str, Any]], source: str) -> list[str]:
        self.intake.admit()
        return super().receive_events(events, source)
