"""The public facade: ``Simulator``, an executor with its API, clock and trace."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._ai import AiGateway
from inngest_sim._api import InngestApi
from inngest_sim._bridge import route_client
from inngest_sim._clock import Clock, VirtualClock
from inngest_sim._errors import InvalidArgument, RunNotFinished, SimError, SimulatorStalled
from inngest_sim._events import LIFECYCLE_PREFIXES, default_event, lifecycle_events
from inngest_sim._executor import Executor, ExecutorConfig
from inngest_sim._flow import FlowControl
from inngest_sim._hooks import Hooks
from inngest_sim._limits import Limits
from inngest_sim._loopback import LoopbackServer
from inngest_sim._ordering import completion_latency
from inngest_sim._probe import Probe
from inngest_sim._registry import FunctionSpec, Registry
from inngest_sim._replay import ReplayReport, check_replay
from inngest_sim._results import RunResult
from inngest_sim._retry import Backoff
from inngest_sim._trace import EventReceived, Trace
from inngest_sim._transport import (
    DEFAULT_SERVE_PATH,
    IN_PROCESS_ORIGIN,
    Endpoint,
    build_asgi_app,
    transport_for_app,
)
from inngest_sim._waits import Waits

if TYPE_CHECKING:
    from types import TracebackType

    from inngest_sim._faults import FaultPlan
    from inngest_sim._run import RunState

__all__ = ["Simulator"]


class Simulator:
    """A fake Inngest server that drives the real SDK through its serve endpoint.

    Use it as an async context manager::

        async with Simulator(client, [my_fn]) as sim:
            run = await sim.run(my_fn, data={"lecture_id": "l1"})
            assert run.status == "Completed"

    Args:
        client: the ``inngest.Inngest`` client the functions belong to (dev mode).
        functions: the functions to serve.
        limits: platform limits; Inngest's by default.
        seed: seeds run ids, backoff jitter and every other random choice.
        backoff: retry delays; ``Backoff(jitter=0)`` gives exact schedules.
        clock: a :class:`VirtualClock` (default) or :class:`RealClock`.
        start: where a new virtual clock starts (default: now).
        freeze_time: make ``datetime.now()`` in function code read the virtual clock.
        request_latency: virtual seconds each SDK request takes (a number, or a
            callable ``(function_id, step_id) -> seconds``); 0 by default.
        completion_order: the order in which parallel steps finish: a seed, a list
            of step id globs (first finishes first) or a latency callable. It gives
            targeted requests up to a second of virtual latency.
        faults: a :class:`FaultPlan` to inject.
        fail_on_assertion: an ``AssertionError`` in function code fails the run at once.
        ai_client: the HTTP client for ``step.ai.infer`` calls, which the executor makes
            (default: a plain ``httpx.AsyncClient``; mock providers with respx).
    """

    def __init__(
        self,
        client: Any,
        functions: Sequence[Any],
        *,
        limits: Limits | None = None,
        seed: int = 0,
        backoff: Backoff | None = None,
        clock: Clock | None = None,
        start: dt.datetime | float | None = None,
        freeze_time: bool = True,
        request_latency: float | Callable[[str, str | None], float] = 0.0,
        request_timeout: float = 300.0,
        faults: FaultPlan | None = None,
        fail_on_assertion: bool = False,
        completion_order: int | Sequence[str] | Callable[[str, str | None], float] | None = None,
        ai_client: httpx.AsyncClient | None = None,
        max_requests_per_run: int = 20_000,
        serve_path: str = DEFAULT_SERVE_PATH,
        _app: Any = None,
        _url: str | None = None,
    ) -> None:
        if clock is not None and start is not None:
            raise InvalidArgument("pass either clock= or start=, not both")
        if completion_order is not None:
            if request_latency:
                raise InvalidArgument(
                    "pass either request_latency= or completion_order=, not both: "
                    "completion_order works by giving requests a latency"
                )
            request_latency = completion_latency(completion_order)
        self.client = client
        self._functions = list(functions)
        self._app = _app
        self._url = _url
        self._serve_path = serve_path
        self.clock: Clock = clock or VirtualClock(start)
        self.limits = limits or Limits()
        self.seed = seed
        self.trace = Trace()
        self.api = InngestApi(
            max_event_bytes=self.limits.max_event_bytes,
            max_events_per_send=self.limits.max_events_per_send,
        )
        self._config = ExecutorConfig(
            limits=self.limits,
            backoff=backoff or Backoff(),
            seed=seed,
            request_timeout=request_timeout,
            max_requests_per_run=max_requests_per_run,
            request_latency=request_latency,
            fail_fast_errors=frozenset({"AssertionError"}) if fail_on_assertion else frozenset(),
        )
        self.faults = faults
        self._ai_client = ai_client
        self._freeze_time = freeze_time and self.clock.is_virtual
        # Bodies can only be watched when the SDK runs in this process.
        self._probe_bodies = _url is None
        self._exit = contextlib.AsyncExitStack()
        self._executor: Executor | None = None
        self._registry: Registry | None = None
        self._event_runs: dict[str, list[str]] = {}
        self._waits: Waits | None = None
        self._flow: FlowControl | None = None
        self._api_port: int | None = None
        self._loopback: LoopbackServer | None = None

    # ----------------------------------------------------------- factories
    @classmethod
    def from_app(cls, app: Any, *, client: Any = None, **options: Any) -> Simulator:
        """Drive any ASGI app that serves Inngest functions, in-process.

        Pass the app's ``client`` so its calls to Inngest (register, events) reach
        the simulator without sockets.
        """
        return cls(client, [], _app=app, **options)

    @classmethod
    def from_url(
        cls, url: str, *, api_port: int = 0, client: Any = None, **options: Any
    ) -> Simulator:
        """Drive a serve endpoint over HTTP (``http://127.0.0.1:8000/api/inngest``).

        The simulator serves the Inngest API on ``127.0.0.1:api_port`` (a free port
        when 0; see :attr:`api_url`). Point the served app's client at it, e.g.
        ``INNGEST_DEV=http://127.0.0.1:<api_port>`` or
        ``Inngest(api_base_url=..., event_api_base_url=...)``.
        """
        sim = cls(client, [], _url=url, **options)
        sim._api_port = api_port
        return sim

    # ------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> Simulator:
        try:
            await self._start()
        except BaseException:
            await self._exit.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            await self._executor.scheduler.cancel_all()
        await self._exit.aclose()

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.client is not None:
            self._exit.callback(route_client(self.client, self.api.handle))
        if self._api_port is not None:
            self._loopback = LoopbackServer(self.api.asgi(), self._api_port)
            self._loopback.start()
            self._exit.push_async_callback(self._loopback.stop)
        endpoint = await self._endpoint()
        self._executor = Executor(endpoint, self.clock, self.trace, self._config)
        self._executor.scheduler.bind(loop)
        self._executor.faults = self.faults
        hooks = Hooks(self._executor, self.faults)
        self.api.fault_hook = hooks.api_fault
        self.api.event_sink = self._ingest_threadsafe
        self.api.run_state = self._run_state
        if self._freeze_time:
            self._start_freezegun()
        response = await endpoint.sync()
        if not self.api.registrations:
            raise SimError(
                f"PUT {endpoint.url} answered {response.status_code} but the SDK never "
                "registered its functions with the simulator; is the client in dev mode "
                "(is_production=False) and, for from_url(), its INNGEST_API_BASE_URL set "
                f"to the simulator's API? Body: {response.text[:300]}"
            )
        self._registry = _registry_from(self.api.registrations[-1])
        self._waits = Waits(self._executor, self._registry)
        ai_client = self._ai_client or httpx.AsyncClient(timeout=self._config.request_timeout)
        if self._ai_client is None:
            self._exit.push_async_callback(ai_client.aclose)
        AiGateway(self._executor, ai_client)
        # Flow control checks every function's options here (InvalidArgument if bad).
        self._flow = FlowControl(self._executor, self._registry, event_runs=self._event_runs)
        self._executor.on_run_start.append(self._watch_cancellation)
        if self._probe_bodies:
            self._executor.on_run_start.append(lambda run: Probe.listen(run.run_id, hooks))
            self._exit.callback(lambda: Probe.forget(list(self.executor.runs)))
        self._executor.on_run_end.append(self._emit_lifecycle)

    async def _endpoint(self) -> Endpoint:
        signing_key = getattr(self.client, "signing_key", None) if _is_cloud(self.client) else None
        if self._url is not None:
            http = httpx.AsyncClient(timeout=None)
            self._exit.push_async_callback(http.aclose)
            return Endpoint(http, self._url, signing_key)
        app = self._app or build_asgi_app(self.client, self._functions, self._serve_path)
        transport = transport_for_app(app)
        http = httpx.AsyncClient(transport=transport, timeout=None)
        self._exit.push_async_callback(http.aclose)
        return Endpoint(http, IN_PROCESS_ORIGIN + self._serve_path, signing_key)

    def _start_freezegun(self) -> None:
        import freezegun

        assert isinstance(self.clock, VirtualClock)
        clock = self.clock
        freezer = freezegun.freeze_time(clock.datetime(), tick=False, real_asyncio=True)
        frozen = freezer.start()
        self._exit.callback(freezer.stop)
        self._exit.callback(clock.subscribe(lambda _now: frozen.move_to(clock.datetime())))

    # ----------------------------------------------------------- accessors
    @property
    def executor(self) -> Executor:
        if self._executor is None:
            raise SimError("the simulator is not started; use `async with Simulator(...)`")
        return self._executor

    @property
    def functions(self) -> Registry:
        if self._registry is None:
            raise SimError("the simulator is not started; use `async with Simulator(...)`")
        return self._registry

    def function(self, fn: Any) -> FunctionSpec:
        """The registered spec of ``fn`` (an ``inngest.Function`` or its id)."""
        fn_id = fn if isinstance(fn, str) else getattr(fn, "id", None)
        if not isinstance(fn_id, str):
            raise InvalidArgument(f"fn={fn!r} is neither an inngest.Function nor a function id")
        return self.functions.get(fn_id)

    def result(self, run_id: str) -> RunResult:
        return RunResult(self.trace, run_id)

    @property
    def runs(self) -> list[RunResult]:
        """Every run so far, in the order they were queued."""
        return [RunResult(self.trace, run_id) for run_id in self.executor.runs]

    @property
    def published(self) -> list[dict[str, Any]]:
        """Realtime messages, as ``{"channel", "topic", "data"}``."""
        return list(self.api.published)

    @property
    def events(self) -> list[dict[str, Any]]:
        return [r.event for r in self.trace.of(EventReceived)]

    # ---------------------------------------------------------------- runs
    async def run(
        self,
        fn: Any,
        data: Mapping[str, Any] | None = None,
        *,
        event: Mapping[str, Any] | None = None,
        events: Sequence[Mapping[str, Any]] | None = None,
        timeout: dt.timedelta | None = None,
    ) -> RunResult:
        """Invoke ``fn`` directly with an event and wait until the run ends."""
        spec = self.function(fn)
        batch = [self._normalise(e) for e in (events or [event or default_event(spec, data)])]
        run = self.executor.start_run(spec, batch)
        return await self.wait(run.run_id, timeout=timeout)

    async def send(self, events: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[str]:
        """Send events as ``client.send`` would; matching functions start runs.

        Returns the event ids. Use :meth:`settle` or :meth:`runs_for` to wait.
        """
        batch = [events] if isinstance(events, Mapping) else list(events)
        problem = self.api.check_events(batch)
        if problem:
            from inngest_sim._errors import EventRejected

            raise EventRejected(problem)
        return self._ingest([dict(e) for e in batch], "simulator")

    async def trigger(
        self, event: Mapping[str, Any], *, timeout: dt.timedelta | None = None
    ) -> list[RunResult]:
        """Send one event and wait for every run it started to end."""
        (event_id,) = await self.send(event)
        run_ids = self._event_runs.get(event_id, [])
        return [await self.wait(run_id, timeout=timeout) for run_id in run_ids]

    def runs_for(self, event_id: str) -> list[RunResult]:
        return [self.result(r) for r in self._event_runs.get(event_id, [])]

    async def wait(self, run_id: str, *, timeout: dt.timedelta | None = None) -> RunResult:
        """Drive the simulation until run ``run_id`` ends (time auto-advances)."""
        run = self.executor.runs[run_id]
        until = self.clock.now() + timeout.total_seconds() if timeout else None
        done = await self.executor.scheduler.drive(lambda: not run.running, until=until)
        if not done:
            if until is not None and self.clock.now() >= until:
                raise RunNotFinished(
                    f"run {run_id} of {run.spec.id!r} still running after {timeout}"
                )
            if not self.executor.scheduler.autojump:
                raise SimulatorStalled(
                    f"run {run_id} of {run.spec.id!r} is waiting for time to pass, but time is "
                    "held (inside hold_time()); move it with `await sim.advance(...)`"
                )
            raise SimulatorStalled(
                f"run {run_id} of {run.spec.id!r} cannot make progress: no request, timer "
                "or event is pending (is it waiting for an event nobody sends?)"
            )
        return self.result(run_id)

    async def settle(self, *, timeout: dt.timedelta | None = None) -> list[RunResult]:
        """Drive until nothing is left to do (or ``timeout`` of virtual time passes)."""
        until = self.clock.now() + timeout.total_seconds() if timeout else None
        await self.executor.scheduler.drive(lambda: False, until=until)
        return self.runs

    async def check_replay(self, run: RunResult | str) -> ReplayReport:
        """Replay a finished run from every prefix of its saved steps.

        Raises :class:`NondeterminismError` naming the first step where the
        replay leaves the original path. No step body runs during the check.
        """
        __tracebackhide__ = True
        run_id = run if isinstance(run, str) else run.run_id
        state = self.executor.runs[run_id]
        if state.running:
            raise InvalidArgument(f"run {run_id} is still running; check it once it has ended")
        return await check_replay(self.executor, state)

    @contextlib.contextmanager
    def hold_time(self) -> Iterator[None]:
        """Inside this block virtual time moves only through :meth:`advance`.

        Useful to send events at chosen virtual moments: nothing due later runs
        until the test advances the clock.
        """
        scheduler = self.executor.scheduler
        previous, scheduler.autojump = scheduler.autojump, False
        try:
            yield
        finally:
            scheduler.autojump = previous

    async def advance(self, delta: dt.timedelta | float) -> None:
        """Move virtual time forward by ``delta``, running everything due on the way."""
        seconds = delta.total_seconds() if isinstance(delta, dt.timedelta) else float(delta)
        if seconds < 0:
            raise InvalidArgument(f"delta={delta!r}: time can't go backwards")
        until = self.clock.now() + seconds
        if self._flow is not None:
            self._flow.cron.arm(until)  # cron schedules fire only while advance() moves time
        await self.executor.scheduler.drive(lambda: False, until=until)

    # -------------------------------------------------------------- events
    def _normalise(self, event: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(event)
        out.setdefault("data", {})
        if out["data"] is None:
            out["data"] = {}
        if not out.get("id"):
            out["id"] = self.executor.ids.ulid(self.clock.now())
        if not out.get("ts"):
            out["ts"] = int(self.clock.now() * 1000)
        out.setdefault("user", {})
        return out

    def _ingest(self, events: list[dict[str, Any]], source: str) -> list[str]:
        ids = []
        executor = self.executor
        for raw in events:
            event = self._normalise(raw)
            ids.append(event["id"])
            received = executor.record(EventReceived, event=event, source=source)
            if self._waits is not None:
                self._waits.on_event(event, received.seq)
            # Flow control records each run it starts under its event ids (now or later,
            # for debounces and batches); an event that starts none maps to [].
            self._event_runs.setdefault(event["id"], [])
            for spec in self.functions.triggered_by(event):
                self._schedule_run(spec, event)
        return ids

    def _schedule_run(self, spec: FunctionSpec, event: dict[str, Any]) -> None:
        """Where an event becomes a run; flow control decides when (or whether)."""
        if self._flow is None:
            raise SimError("the simulator is not started; use `async with Simulator(...)`")
        self._flow.schedule(spec, event)

    def _ingest_threadsafe(self, events: list[dict[str, Any]], source: str) -> list[str]:
        # Ids are fixed here so the SDK gets them back at once; the runs start on
        # the simulator's loop.
        prepared = [self._normalise(e) for e in events]
        self.executor.scheduler.call_soon_threadsafe(
            lambda: _discard(self._ingest(prepared, source))
        )
        return [e["id"] for e in prepared]

    def _watch_cancellation(self, run: RunState) -> None:
        cancel_on = run.spec.config.get("cancel")
        if cancel_on and self._waits is not None:
            self._waits.watch_cancellation(run, list(cancel_on))

    def _emit_lifecycle(self, run: RunState) -> None:
        if run.event.get("name", "").startswith(LIFECYCLE_PREFIXES):
            return  # runs triggered by lifecycle events do not emit more of them
        events = lifecycle_events(run, self.clock.now(), self.executor.ids.ulid)
        self._ingest(events, "lifecycle")

    def _run_state(self, run_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        run: RunState | None = self.executor.runs.get(run_id)
        return (run.events, dict(run.memos)) if run else None

    @property
    def api_url(self) -> str | None:
        """Where SDKs in other processes reach this simulator's Inngest API."""
        return self._loopback.url if self._loopback else None


def _discard(_value: object) -> None:
    return None


def _is_cloud(client: Any) -> bool:
    return bool(getattr(client, "is_production", False))


def _registry_from(payload: Mapping[str, Any]) -> Registry:
    functions = payload.get("functions") or []
    app_id = str(payload.get("appname") or payload.get("app_id") or "")
    return Registry(app_id, functions)
