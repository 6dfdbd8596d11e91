"""The one assembly of the rooms, for the ``Simulator`` and for ``inngest-sim dev`` alike.

Both front doors build the same run loop: flow control (which checks every function's
options), pauses, the AI and fetch gateways, signals and ingest around one ``RunLoop``,
with the loop's gate, its opcode table and its run listeners handed in once. What differs
is handed to ``assemble``: the registry (one app's, or every synced app's), the endpoint
(the SDK's handler, an app, or each app's URL), extra run listeners (the in-process step
probe) and where triggered runs go (straight to flow control, or first to the dev
server's queue of held runs).

``RuntimeHost`` is the one ``ApiHost``: the Inngest API hands it events, run-state reads,
checkpoints, step metadata and signals, and it passes them to the assembled rooms on the
loop's thread.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from inngest_sim._engine import OPCODES, RunLoop, apply_api_metadata, apply_checkpoint
from inngest_sim._flow import FlowControl
from inngest_sim._ids import IdSource
from inngest_sim._runtime.ai import AiGateway
from inngest_sim._runtime.fetch import FetchGateway
from inngest_sim._runtime.ingest import Ingest, RunScheduler
from inngest_sim._runtime.pauses import Pauses
from inngest_sim._runtime.signals import Signals

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable, Sequence

    import httpx

    from inngest_sim._engine import EngineConfig, Scheduler
    from inngest_sim._engine.ports import RunListener, ServeEndpoint
    from inngest_sim._server.registry import Registry
    from inngest_sim.faults._gateway import GatewayFaults
    from inngest_sim.trace._recorder import Recorder

__all__ = ["Runtime", "RuntimeHost", "assemble"]

log = logging.getLogger("inngest_sim")


@dataclasses.dataclass(frozen=True, slots=True)
class Runtime:
    """The assembled rooms: the run loop and the rooms around it."""

    loop: RunLoop
    flow: FlowControl
    pauses: Pauses
    signals: Signals
    ingest: Ingest


def assemble(
    exit_stack: contextlib.AsyncExitStack,
    *,
    registry: Registry,
    endpoint: ServeEndpoint,
    scheduler: Scheduler,
    recorder: Recorder,
    config: EngineConfig,
    ai_client: httpx.AsyncClient | None = None,
    fetch_client: httpx.AsyncClient | None = None,
    fetch_faults: GatewayFaults | None = None,
    runs_to: Callable[[FlowControl], RunScheduler] = lambda flow: flow,
    listeners: Sequence[RunListener] = (),
) -> Runtime:
    """Build flow control, pauses, the gateways, signals, ingest and the run loop, in order.

    ``FlowControl`` raises ``InvalidArgument`` for options the server would refuse, before
    anything else is built. ``runs_to`` says where ingest sends triggered runs (flow
    control by default); ``listeners`` are told of each run's start and end after the
    rooms' own. ``ai_client`` and ``fetch_client`` make the executor's own HTTP calls
    (``step.ai.infer``, ``step.fetch``); None builds a plain client on first use.
    ``fetch_faults`` applies a fault plan's rules to ``step.fetch`` calls.
    """
    flow = FlowControl(registry, seed=config.seed)
    pauses = Pauses(registry, admits=flow.admits_invoke)
    ai = AiGateway(ai_client, timeout=config.request_timeout)
    exit_stack.push_async_callback(ai.aclose)
    fetch = FetchGateway(fetch_client, timeout=config.request_timeout, faults=fetch_faults)
    exit_stack.push_async_callback(fetch.aclose)
    signals = Signals()
    ingest = Ingest(registry, runs_to(flow), pauses)
    loop = RunLoop(
        endpoint,
        scheduler,
        recorder,
        IdSource(config.seed),
        config,
        gate=flow.gate,
        opcodes={
            **OPCODES,
            **pauses.opcodes,
            **ai.opcodes,
            **fetch.opcodes,
            **signals.opcodes,
        },
        listeners=[flow, pauses, signals, ingest, *listeners],
    )
    return Runtime(loop, flow, pauses, signals, ingest)


class RuntimeHost:
    """What the Inngest API hands work to, once the rooms are assembled (``bind``).

    Args:
        take_events_at_once: whether events sent through the API start their runs
            before the call returns. The dev server's API is served on the loop between
            requests, so it takes them at once (a test that sends and then drains the
            held runs finds them). In-process, the SDK calls the API from inside a
            request the loop is still handling (a step's ``send_event``) or from a worker
            thread, so the simulator fixes the ids at once but starts the runs on the
            loop's next turn, after that call has returned.
        arriving: what every event sent through the API passes first (the dev server
            moves a sender's ``ts`` onto its own clock); the server's own events, such as
            invokes and lifecycle events, never pass it.
    """

    def __init__(
        self,
        *,
        take_events_at_once: bool,
        arriving: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self._at_once = take_events_at_once
        self._arriving = arriving
        self._runtime: Runtime | None = None

    def bind(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the Inngest API was called before the run loop was assembled")
        return self._runtime

    def receive_events(self, events: list[dict[str, Any]], source: str) -> list[str]:
        """Events from the SDK (any thread); their ids, fixed now."""
        loop, ingest = self.runtime.loop, self.runtime.ingest
        if self._arriving is not None:
            events = [self._arriving(event) for event in events]
        if self._at_once:
            return loop.scheduler.call_blocking(lambda: ingest.receive(loop, events, source))
        # Stamped on the loop's thread (at once when called there): the seeded id source is
        # not drawn from two threads at a time when a sync function's worker thread sends.
        prepared = loop.scheduler.call_blocking(lambda: [ingest.normalise(loop, e) for e in events])
        loop.scheduler.call_soon_threadsafe(
            lambda: _discard(ingest.receive(loop, prepared, source))
        )
        return [e["id"] for e in prepared]

    def run_state(self, run_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """A run's events and memos, for an SDK that fetches them (``use_api``); None once
        the run has ended, as Go deletes a run's state when it finishes."""
        run = self.runtime.loop.runs.get(run_id)
        return (run.events, dict(run.memos)) if run is not None and run.running else None

    def checkpoint(self, run_id: str, body: Any) -> tuple[int, str | None]:
        """Steps a checkpointing SDK ran inside an open request (any thread)."""
        loop = self.runtime.loop
        status, message = loop.scheduler.call_blocking(
            lambda: apply_checkpoint(loop, run_id, body).pair()
        )
        if status != 200:
            log.warning("checkpoint for run %s answered %d: %s", run_id, status, message)
        return status, message

    def metadata(self, run_id: str, body: Any) -> tuple[int, str | None]:
        """Metadata the SDK sent for a run or step (any thread)."""
        loop = self.runtime.loop
        return loop.scheduler.call_blocking(lambda: apply_api_metadata(loop, run_id, body))

    def signal(self, signal: str, data: Any) -> str | None:
        """A signal the SDK sent (any thread): the run it resumed, if one waited."""
        loop, signals = self.runtime.loop, self.runtime.signals
        return loop.scheduler.call_blocking(lambda: signals.receive(loop, signal, data, "api"))


def _discard(_value: object) -> None:
    return None
