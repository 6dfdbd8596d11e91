"""``DevServer``: the composition root of ``inngest-sim dev``.

It assembles the same rooms as the ``Simulator`` (``_runtime.assemble``), but for
several apps at once: functions come and go as apps sync, each is run at the URL its app
registered, triggered runs pass the queue of held runs first, and the scheduler's drive
loop runs for the server's whole life on the clock it was given (real, or virtual with
autojump).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._clock import RealClock, VirtualClock
from inngest_sim._dev.apps import Apps
from inngest_sim._dev.endpoint import RoutedEndpoint
from inngest_sim._dev.fanout import FanOut
from inngest_sim._dev.held import HeldRuns
from inngest_sim._dev.intake import AdmittingHost, Intake
from inngest_sim._dev.retention import Retention
from inngest_sim._dev.sender_time import on_server_clock
from inngest_sim._dev.time_api import TimeControl
from inngest_sim._engine import EngineConfig, RunLoop, Scheduler
from inngest_sim._runtime.assemble import Runtime, assemble
from inngest_sim._server.api import InngestApi
from inngest_sim._server.loopback import nodelay_transport
from inngest_sim._server.registry import Registry
from inngest_sim.trace import Record, Trace
from inngest_sim.trace._recorder import Recorder

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._clock import Clock
    from inngest_sim._dev.options import DevOptions
    from inngest_sim._engine.run import RunState
    from inngest_sim._flow import FlowControl
    from inngest_sim._runtime.ingest import Ingest
    from inngest_sim._runtime.signals import Signals

__all__ = ["DevServer"]

log = logging.getLogger("inngest_sim.dev")


class DevServer:
    """The engine behind ``inngest-sim dev``; serve ``asgi`` once ``start`` ran."""

    def __init__(self, options: DevOptions) -> None:
        self.options = options
        self.clock: Clock = (
            RealClock() if options.clock == "real" else VirtualClock(options.start_seconds)
        )
        self.trace = Trace()
        self.registry = Registry("", [])
        self.apps = Apps(
            self.registry, remote=options.allow_remote_apps, moves=options.allow_app_moves
        )
        self._exit = contextlib.AsyncExitStack()
        self._runtime: Runtime | None = None
        self._held: HeldRuns | None = None
        self.fanout: FanOut | None = None
        self._driver: asyncio.Task[None] | None = None
        self._time: TimeControl | None = None
        self._lifespans: list[contextlib.AbstractAsyncContextManager[Any]] = []
        self._sync_http: httpx.AsyncClient | None = None
        self._stopping = False
        self.api: InngestApi | None = None
        # A send is refused (429) while --max-running runs are running.
        self.intake = Intake(options.max_running)
        # Sent from outside: a ts is on the sender's clock (the server's own are on its own).
        self.host = AdmittingHost(
            self.intake,
            take_events_at_once=True,
            arriving=lambda event: on_server_clock(self.clock, event),
        )
        self.url = "this server"  # its http://127.0.0.1:PORT once it listens

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        options = self.options
        scheduler = Scheduler(self.clock, asyncio.get_running_loop())
        self._time = TimeControl(self.clock, scheduler, held=options.hold_time)
        recorder = Recorder(self.trace, self.clock)
        host = self.host
        self.api = InngestApi(
            options.limits, recorder, host, on_register=self.apps.register, seed=options.seed
        )
        # Syncs (a PUT to each app) are few; execution requests go through the endpoint's own
        # client, made for volume.
        http = httpx.AsyncClient(timeout=None, transport=nodelay_transport())
        self._exit.push_async_callback(http.aclose)
        self._sync_http = http
        endpoint = RoutedEndpoint(self.registry)
        self._exit.push_async_callback(endpoint.aclose)
        config = EngineConfig(
            limits=options.limits,
            backoff=options.backoff,
            seed=options.seed,
            request_timeout=options.request_timeout,
            checkpointing=options.checkpointing,
            max_in_flight=options.max_in_flight,
        )

        def held_runs(flow: FlowControl) -> HeldRuns:
            # One send's fan-out is created in slices, other requests served between them.
            self.fanout = fanout = FanOut(flow, scheduler)
            self.intake.queued = lambda: len(fanout.pending)
            self._held = HeldRuns(fanout, hold=not options.auto_run)
            return self._held

        self._runtime = assemble(
            self._exit,
            registry=self.registry,
            endpoint=endpoint,
            scheduler=scheduler,
            recorder=recorder,
            config=config,
            runs_to=held_runs,
            listeners=[self.intake, *self._retention()],
        )
        host.bind(self._runtime)
        self._driver = asyncio.ensure_future(self._drive())

    def add_lifespan(self, context: contextlib.AbstractAsyncContextManager[Any]) -> None:
        """Something the served app needs running while it serves (the MCP sessions)."""
        self._lifespans.append(context)

    async def start_lifespans(self) -> None:
        """Enter what ``add_lifespan`` was given; ``stop`` leaves it."""
        lifespans, self._lifespans = self._lifespans, []
        for context in lifespans:
            await self._exit.enter_async_context(context)

    def _retention(self) -> list[Retention]:
        """With ``--keep-runs`` or ``--keep-events``, the listener that forgets the oldest
        finished runs and records of no run."""
        keep, keep_events = self.options.keep_runs, self.options.keep_events
        if keep is None and keep_events is None:
            return []
        return [Retention(keep, self.trace, self._forget_run, keep_events=keep_events)]

    def _forget_run(self, run_id: str) -> None:
        """A finished run ``--keep-runs`` drops: out of the run loop and flow control."""
        run = self.engine.runs.pop(run_id, None)
        if run is not None and self._runtime is not None:
            self._runtime.flow.forget(run)

    async def sync_apps(self) -> None:
        """Sync the ``-u`` URLs (an app that does not answer is logged, not fatal)."""
        for url in self.options.urls:
            await self.sync_url(url)

    async def sync_url(self, url: str) -> str | None:
        """PUT the app at ``url`` so it registers; why it did not, or None."""
        assert self._sync_http is not None, "start() the dev server first"
        return await self.apps.sync_url(self._sync_http, url, server_url=self.url)

    async def stop(self) -> None:
        self._stopping = True
        engine = self._runtime.loop if self._runtime is not None else None
        if engine is not None:
            engine.scheduler.call_soon(lambda: None)  # wake the drive loop so it sees the stop
        if self._driver is not None:
            # wait_for cancels the loop if it has not seen the stop within 5 s.
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._driver, timeout=5)
        if engine is not None:
            await engine.scheduler.cancel_all()
            await engine.aclose()
        await self._exit.aclose()

    async def _drive(self) -> None:
        """Run timers and requests for the server's whole life."""
        engine = self.engine
        while not self._stopping:
            try:
                await engine.scheduler.drive(lambda: self._stopping)
                self.time.drive_returned()
                if not self._stopping and self.time.held:
                    # A timer may be pending that only an advance can reach: wait for a
                    # change (an advance, a release, new work), not for a timer.
                    await engine.scheduler.wait_for_change()
                elif not self._stopping:
                    await engine.scheduler.wait_for_work()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug in one run must not stop every other one
                log.exception("inngest-sim dev: an error in the run loop (a bug; please report)")

    # ----------------------------------------------------------- accessors
    @property
    def runtime(self) -> Runtime:
        """The assembled rooms (``start`` builds them)."""
        if self._runtime is None:
            raise RuntimeError("the dev server is not started")
        return self._runtime

    @property
    def engine(self) -> RunLoop:
        return self.runtime.loop

    @property
    def time(self) -> TimeControl:
        if self._time is None:
            raise RuntimeError("the dev server is not started")
        return self._time

    @property
    def ingest(self) -> Ingest:
        return self.runtime.ingest

    @property
    def signals(self) -> Signals:
        return self.runtime.signals

    @property
    def held(self) -> HeldRuns:
        assert self._held is not None
        return self._held

    # ---------------------------------------------------------------- queue
    async def drain(self) -> list[RunState]:
        """Start every held run, in slices (call on the server's loop)."""
        return await self.held.drain(self.engine)

    async def wait_for(self, runs: list[RunState], timeout: float) -> None:
        """Until every one of ``runs`` has ended, or ``timeout`` real seconds."""
        await self.wait_until(lambda: not any(r.running for r in runs), timeout)

    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Until ``condition()`` holds, checked as each record is written; whether it does.

        Waits at most ``timeout`` real seconds: a client waits with one request.
        """
        met = asyncio.Event()

        def check(record: Record) -> None:
            if condition():
                met.set()

        unsubscribe = self.trace.subscribe(check)
        try:
            if not condition():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(met.wait(), timeout)
        finally:
            unsubscribe()
        return condition()
