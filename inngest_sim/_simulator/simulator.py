"""The public facade: ``Simulator``, a fake Inngest server that drives the real SDK.

It is also the composition root: ``_start`` builds every room once, in one place
(the clock and scheduler, the trace recorder, faults, the Inngest API, the backend's
endpoint, the registry read from the SDK's own registration, flow control, pauses,
the AI gateway and the run loop), and nothing is wired in after that.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from inngest_sim._bounded import DEFAULT_MAX_BYTES, ResponseTooLarge
from inngest_sim._clock import Clock, VirtualClock
from inngest_sim._engine import EngineConfig, RunLoop, RunState, Scheduler
from inngest_sim._errors import (
    InvalidArgument,
    RunNotFinished,
    SimError,
    SimulatorStalled,
)
from inngest_sim._history.compat import check_histories
from inngest_sim._history.verdict import DeployReport
from inngest_sim._limits import Limits
from inngest_sim._retry import Backoff
from inngest_sim._runtime.assemble import Runtime, RuntimeHost, assemble
from inngest_sim._runtime.bodies import BodyWatch
from inngest_sim._runtime.wallclock import WallClock
from inngest_sim._sdk.bridge import route_client
from inngest_sim._sdk.scope import SdkScope, patched_sdk
from inngest_sim._sdk.serve import DEFAULT_SERVE_PATH
from inngest_sim._sdk.sync_cache import registrations
from inngest_sim._server.api import InngestApi
from inngest_sim._server.events import default_event
from inngest_sim._server.loopback import LoopbackServer
from inngest_sim._server.registry import FunctionSpec, Registry
from inngest_sim._simulator.arguments import check_constructor, events_to_send, run_events
from inngest_sim._simulator.backends import AppBackend, Backend, HttpBackend, InProcessBackend
from inngest_sim._simulator.ordering import completion_latency
from inngest_sim._simulator.perturb import WORLDS
from inngest_sim._simulator.replay import ReplayReport, check_replay
from inngest_sim._validation import (
    check_bool,
    check_datetime,
    check_duration,
    check_int,
    given,
)
from inngest_sim._views.coverage import offer as offer_coverage
from inngest_sim._views.results import RunResult
from inngest_sim.faults._api import ApiFaults
from inngest_sim.faults._endpoint import FaultEndpoint
from inngest_sim.faults._gateway import GatewayFaults
from inngest_sim.faults._injector import FaultInjector
from inngest_sim.faults._step import StepFaults
from inngest_sim.trace import EventReceived, Published, RunQueued, Trace
from inngest_sim.trace._recorder import Recorder

if TYPE_CHECKING:
    from types import TracebackType

    from inngest_sim._engine.ports import RunListener, ServeEndpoint
    from inngest_sim._history.format import RunHistory
    from inngest_sim._runtime.ingest import Ingest
    from inngest_sim.faults import FaultPlan

__all__ = ["Simulator"]

T = TypeVar("T")


class Simulator:
    """A fake Inngest server that drives the real SDK through its serve endpoint.

    Use it as an async context manager:

    ```python
    async with Simulator(client, [my_fn]) as sim:
        run = await sim.run(my_fn, data={"lecture_id": "l1"})
        assert run.status == "Completed"
    ```

    Args:
        client: the ``inngest.Inngest`` client the functions belong to (dev mode, or
            production mode with a signing key: requests are then signed).
        functions: the functions to serve.
        limits: platform limits; Inngest's by default.
        seed: seeds run ids, backoff jitter and every other random choice.
        backoff: retry delays; ``Backoff(jitter=0)`` gives exact schedules.
        clock: a ``VirtualClock`` (default) or ``RealClock``.
        start: where a new virtual clock starts (default: now).
        freeze_time: make wall-clock reads in function code (``datetime.now()``,
            ``time.time()``...) read the virtual clock; inside step bodies it moves on in
            real time. Monotonic clocks are never touched.
        request_latency: virtual seconds each SDK request takes (a number, or a
            callable ``(function_id, step_id) -> seconds``); 0 by default.
        request_timeout: real seconds to wait for one SDK request before it counts as
            a failed attempt (30 by default: a hung app costs a test suite seconds per
            attempt, not minutes).
        faults: a ``FaultPlan`` to inject.
        fail_on_assertion: an ``AssertionError`` in function code fails the run at once.
        completion_order: the order in which parallel steps finish: a seed, a list
            of step id globs (first finishes first) or a latency callable. It gives
            targeted requests up to a second of virtual latency.
        ai_client: the HTTP client for ``step.ai.infer`` calls, which the executor makes
            (default: a plain ``httpx.AsyncClient``, made on first use; mock providers
            with respx).
        fetch_client: the HTTP client for ``step.fetch`` calls (opcode ``Gateway``), which
            the executor makes as the server does (default: a plain ``httpx.AsyncClient``,
            made on first use; mock the remote side with respx or a ``MockTransport``).
        max_requests_per_run: fail a run that makes more SDK requests than this (a
            function that loops without progress).
        serve_path: where the in-process app serves the functions.
        signing_key: the key execution requests are signed with; by default the
            client's, when it is in production mode (unsigned in dev mode).
        checkpointing: send ``ctx.fn_id`` and ``ctx.qi_id`` as the Inngest server does,
            so a TypeScript v4 SDK checkpoints the steps it runs (its default); False
            drives the classic one-step-per-request protocol. The Python SDK ignores it.
        backend: how the SDK is reached (``Simulator.from_app`` and ``from_url`` make one).
        accelerate: fix two slow spots of the SDK's replay while the simulator is open
            (same bytes on the wire; see ``inngest_sim.accelerator_status()``); None
            follows ``INNGEST_SIM_ACCELERATE`` (on unless it says 0), False turns it off.
        freeze_gc: ``gc.freeze()`` while the simulator is open (faster full collections
            on long runs; objects made before it cannot be collected until it closes).
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
        request_timeout: float = 30.0,
        faults: FaultPlan | None = None,
        fail_on_assertion: bool = False,
        completion_order: int | Sequence[str] | Callable[[str, str | None], float] | None = None,
        ai_client: httpx.AsyncClient | None = None,
        fetch_client: httpx.AsyncClient | None = None,
        max_requests_per_run: int = 20_000,
        serve_path: str = DEFAULT_SERVE_PATH,
        signing_key: str | None = None,
        backend: Backend | None = None,
        accelerate: bool | None = None,
        freeze_gc: bool = False,
        checkpointing: bool = True,
    ) -> None:
        check_constructor(
            client=client,
            functions=functions,
            limits=limits,
            seed=seed,
            backoff=backoff,
            clock=clock,
            start=start,
            freeze_time=freeze_time,
            request_latency=request_latency,
            request_timeout=request_timeout,
            faults=faults,
            fail_on_assertion=fail_on_assertion,
            completion_order=completion_order,
            ai_client=ai_client,
            fetch_client=fetch_client,
            max_requests_per_run=max_requests_per_run,
            signing_key=signing_key,
            backend=backend,
            accelerate=accelerate,
            freeze_gc=freeze_gc,
            checkpointing=checkpointing,
        )
        if completion_order is not None:
            request_latency = completion_latency(completion_order)
        self.client = client
        self._functions = list(functions)
        self.backend: Backend = backend or InProcessBackend(serve_path)
        self.clock: Clock = clock or VirtualClock(start)
        self.limits = limits or Limits()
        self.seed = seed
        self.faults = faults
        self.trace = Trace()
        self._config = EngineConfig(
            limits=self.limits,
            backoff=backoff or Backoff(),
            seed=seed,
            request_timeout=request_timeout,
            max_requests_per_run=max_requests_per_run,
            request_latency=request_latency,
            fail_fast_errors=frozenset({"AssertionError"}) if fail_on_assertion else frozenset(),
            checkpointing=checkpointing,
        )
        self._signing_key = signing_key if signing_key is not None else _signing_key(client)
        self._accelerate = accelerate
        self._freeze_gc = freeze_gc
        self._ai_client = ai_client
        self._fetch_client = fetch_client
        self._freeze_time = freeze_time and self.clock.is_virtual
        self._exit = contextlib.AsyncExitStack()
        self._runtime: Runtime | None = None
        self._sdk: SdkScope | None = None
        self._registry: Registry | None = None
        self._loopback: LoopbackServer | None = None
        self.api: InngestApi | None = None

    # ----------------------------------------------------------- factories
    @classmethod
    def from_app(cls, app: Any, *, client: Any = None, **options: Any) -> Simulator:
        """Drive any ASGI app that serves Inngest functions (or a WSGI app), in-process.

        Pass the app's ``client`` so its calls to Inngest (register, events) reach
        the simulator without sockets.
        """
        serve_path = options.pop("serve_path", DEFAULT_SERVE_PATH)
        return cls(client, [], backend=AppBackend(app, serve_path), **options)

    @classmethod
    def from_url(
        cls, url: str, *, api_port: int = 0, client: Any = None, **options: Any
    ) -> Simulator:
        """Drive a serve endpoint over HTTP (``http://127.0.0.1:8000/api/inngest``).

        The simulator serves the Inngest API on ``127.0.0.1:api_port`` (a free port
        when 0; see ``api_url``). Point the served app's client at it, e.g.
        ``INNGEST_DEV=http://127.0.0.1:<api_port>`` or
        ``Inngest(api_base_url=..., event_api_base_url=...)``.
        """
        check_int("api_port", api_port, minimum=0, fix="a free TCP port, or 0 to pick one")
        if api_port > 65535:
            raise InvalidArgument(f"api_port={api_port}: a TCP port is at most 65535")
        return cls(client, [], backend=HttpBackend(url, api_port), **options)

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
        if self._runtime is not None:
            await self._runtime.loop.scheduler.cancel_all()
            await self._runtime.loop.aclose()
        await self._exit.aclose()
        offer_coverage(self.trace)  # a session's step coverage, when one is collected

    async def _start(self) -> None:
        self._sdk = sdk = self._exit.enter_context(
            patched_sdk(
                self._accelerate,
                freeze_gc=self._freeze_gc,
                client=self.client,
                # The SDK's own send retries wait on virtual time, not the wall clock.
                clock=self.clock if isinstance(self.clock, VirtualClock) else None,
                seed=self.seed,
            )
        )
        scheduler = Scheduler(self.clock, asyncio.get_running_loop())
        recorder = Recorder(self.trace, self.clock)
        injector = FaultInjector(self.faults, recorder) if self.faults is not None else None
        if self.faults is not None:
            self.faults.reset()
        host = RuntimeHost(take_events_at_once=False)
        self.api = InngestApi(
            self.limits,
            recorder,
            host,
            faults=ApiFaults(injector) if injector else None,
            seed=self.seed,
        )
        if self.client is not None:
            self._exit.callback(route_client(self.client, self.api.handle))
        if self.backend.api_port is not None:
            self._loopback = LoopbackServer(self.api.asgi(), self.backend.api_port)
            self._loopback.start()
            self._exit.push_async_callback(self._loopback.stop)
        endpoint = self.backend.open(
            self._exit,
            client=self.client,
            functions=self._functions,
            signing_key=self._signing_key,
            wrap=lambda inner: (
                FaultEndpoint(inner, injector, self._step_key) if injector else inner
            ),
        )
        wall_clock = None
        if self._freeze_time:
            assert isinstance(self.clock, VirtualClock)
            wall_clock = WallClock(self.clock)
            self._exit.enter_context(wall_clock.started())
        self._registry = await self._sync(
            endpoint, replayable=injector is None or not injector.could_hit("api")
        )
        if injector is not None:
            # Before any run: a rule for a function that is not served would never apply.
            injector.check_functions([spec.id for spec in self._registry])
        listeners: list[RunListener] = []
        if self.backend.supports_body_probe:
            faults = StepFaults(injector) if injector else None
            watch = BodyWatch(self._run_of, recorder, faults, wall_clock)
            listeners.append(_ProbeListener(sdk, watch))
        # FlowControl, built first, checks every function's options.
        self._runtime = assemble(
            self._exit,
            registry=self._registry,
            endpoint=endpoint,
            scheduler=scheduler,
            recorder=recorder,
            config=self._config,
            ai_client=self._ai_client,
            fetch_client=self._fetch_client,
            fetch_faults=GatewayFaults(injector) if injector else None,
            listeners=listeners,
        )
        host.bind(self._runtime)

    async def _sync(self, endpoint: ServeEndpoint, *, replayable: bool) -> Registry:
        """Ask the SDK to register; the functions it reports are the registry.

        On the direct in-process endpoint a registration the SDK already made for the same
        client and functions is replayed into the API instead (``_sdk.sync_cache``): the
        same request, so the same trace and registry. Not while API faults could apply,
        as the SDK's reaction to a failed registration is part of what they test.
        """
        assert self.api is not None
        backend = self.backend
        cache = (
            (self.client, self._functions, backend.serve_path, self._signing_key)
            if replayable
            and self.client is not None
            and isinstance(backend, InProcessBackend)
            and backend.transport == "direct"
            else None
        )
        if cache is not None and (request := registrations.get(*cache)) is not None:
            # No API fault applies and this API takes any registration it can read, as
            # it took this one before: the request registers again, as the SDK's would.
            self.api.handle(request)
            assert self.api.registration is not None  # it was taken before
            return Registry.from_registration(self.api.registration)
        try:
            response = await endpoint.sync()
        except httpx.HTTPError as exc:
            raise SimError(
                f"cannot reach the serve endpoint at {endpoint.url} ({type(exc).__name__}: "
                f"{exc}); is the app running, and serving Inngest at that path?"
            ) from exc
        except ResponseTooLarge as exc:
            raise SimError(
                f"PUT {endpoint.url} answered with a body of {exc}, past the "
                f"{DEFAULT_MAX_BYTES:,}-byte limit on a registration's answer; reading stopped "
                "there. Is an SDK serving Inngest at that path?"
            ) from exc
        registration, request = self.api.registration, self.api.registration_request
        if registration is None or request is None:
            raise SimError(
                f"PUT {endpoint.url} answered {response.status_code} but the SDK never "
                "registered its functions with the simulator; is the client in dev mode "
                "(is_production=False) and, for from_url(), its INNGEST_API_BASE_URL set "
                f"to the simulator's API? Body: {response.text[:300]}"
            )
        if cache is not None:
            registrations.put(*cache, request)
        return Registry.from_registration(registration)

    def _run_of(self, run_id: str) -> RunState | None:
        return self._runtime.loop.runs.get(run_id) if self._runtime is not None else None

    def _step_key(self, run_id: str, step_hash: str) -> str | None:
        run = self._run_of(run_id)
        return run.keys.get(step_hash) if run is not None else None

    # ----------------------------------------------------------- accessors
    @property
    def _engine(self) -> RunLoop:
        return self._started(self._runtime).loop

    @property
    def _ingest(self) -> Ingest:
        return self._started(self._runtime).ingest

    def _started(self, value: T | None) -> T:
        if value is None:
            raise SimError("the simulator is not started; use `async with Simulator(...)`")
        return value

    @property
    def functions(self) -> Registry:
        """The functions the SDK registered, by full and local id."""
        return self._started(self._registry)

    def function(self, fn: Any) -> FunctionSpec:
        """The registered spec of ``fn`` (an ``inngest.Function`` or its id)."""
        fn_id = fn if isinstance(fn, str) else getattr(fn, "id", None)
        if not isinstance(fn_id, str):
            raise InvalidArgument(f"fn={fn!r} is neither an inngest.Function nor a function id")
        return self.functions.get(fn_id)

    def result(self, run_id: str) -> RunResult:
        """The result of run ``run_id`` so far, read from the trace."""
        self._run_state(run_id)
        return RunResult(self.trace, run_id)

    @property
    def runs(self) -> list[RunResult]:
        """Every run so far, in the order they were queued (a property: it reads the trace)."""
        return [RunResult(self.trace, r.run_id) for r in self.trace.of(RunQueued)]

    def runs_for(self, event_id: str) -> list[RunResult]:
        """The runs started for the event with id ``event_id`` (a method: it takes the id)."""
        return [
            RunResult(self.trace, r.run_id)
            for r in self.trace.of(RunQueued)
            if event_id in r.event_ids
        ]

    @property
    def published(self) -> list[dict[str, Any]]:
        """Realtime messages, as ``{"channel", "topic", "data"}``."""
        return [
            {"channel": r.channel, "topic": r.topic, "data": r.data}
            for r in self.trace.of(Published)
        ]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event received, in order (as the server stored it)."""
        return [r.event for r in self.trace.of(EventReceived)]

    @property
    def api_url(self) -> str | None:
        """Where SDKs in other processes reach this simulator's Inngest API."""
        return self._loopback.url if self._loopback else None

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
        """Invoke ``fn`` directly with an event and wait until the run ends.

        Args:
            fn: the function (an ``inngest.Function``) or its id.
            data: the data of the function's default event (its first trigger's name).
            event: the whole trigger event instead (``{"name": ..., "data": {...}}``).
            events: a batch of events instead (for a function with batching).
            timeout: how much virtual time to wait (a ``timedelta`` or seconds).
        """
        spec = self.function(fn)
        check_duration("timeout", timeout, allow_none=True)
        engine, ingest = self._engine, self._ingest
        chosen = run_events(data, event, events, self.limits, lambda d: default_event(spec, d))
        run = engine.start_run(spec, [ingest.normalise(engine, e) for e in chosen])
        return await self.wait(run.run_id, timeout=timeout)

    async def send(self, events: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[str]:
        """Send events as ``client.send`` would; matching functions start runs.

        Returns the event ids. Use ``settle`` or ``runs_for`` to wait.
        """
        batch = events_to_send(events, self.limits)
        return self._ingest.receive(self._engine, batch, "simulator")

    async def signal(self, signal: str, data: Any = None) -> str | None:
        """Send a signal as ``inngest.sendSignal`` would: the run waiting for it
        (``step.waitForSignal``) resumes with ``{"signal": signal, "data": data}``.

        Returns that run's id, or None when no run waits for ``signal`` (the API's 404).
        """
        if not isinstance(signal, str) or not signal:
            raise InvalidArgument(
                f"{given('signal', signal)}: a signal is a non-empty string, the name a "
                "step.waitForSignal waits for"
            )
        return self._started(self._runtime).signals.receive(self._engine, signal, data, "simulator")

    async def trigger(
        self, event: Mapping[str, Any], *, timeout: dt.timedelta | float | None = None
    ) -> list[RunResult]:
        """Send one event and wait for every run it started to end."""
        if not isinstance(event, Mapping):
            raise InvalidArgument(
                f"{given('event', event)}: trigger() sends one event; use send() for a list"
            )
        check_duration("timeout", timeout, allow_none=True)
        (event_id,) = await self.send(event)
        return [await self.wait(r.run_id, timeout=timeout) for r in self.runs_for(event_id)]

    def _run_state(self, run_id: Any) -> RunState:
        runs = self._engine.runs
        if not isinstance(run_id, str) or run_id not in runs:
            known = ", ".join(list(runs)[:5]) + (" ..." if len(runs) > 5 else "")
            raise InvalidArgument(
                f"{given('run_id', run_id)}: no such run in this simulator; pass a run id "
                f"from sim.run(...).run_id or sim.runs (runs: {known or 'none yet'})"
            )
        return runs[run_id]

    async def wait(self, run_id: str, *, timeout: dt.timedelta | float | None = None) -> RunResult:
        """Drive the simulation until run ``run_id`` ends (time auto-advances)."""
        run = self._run_state(run_id)
        seconds = check_duration("timeout", timeout, allow_none=True)
        until = self.clock.now() + seconds if seconds is not None else None
        done = await self._engine.scheduler.drive(lambda: not run.running, until=until)
        if not done:
            if until is not None and self.clock.now() >= until:
                raise RunNotFinished(
                    f"run {run_id} of {run.spec.id!r} still running after {timeout}"
                )
            if self.clock.held:
                raise SimulatorStalled(
                    f"run {run_id} of {run.spec.id!r} is waiting for time to pass, but time is "
                    "held (inside hold_time()); move it with `await sim.advance(...)`"
                )
            raise SimulatorStalled(
                f"run {run_id} of {run.spec.id!r} cannot make progress: no request, timer "
                "or event is pending (is it waiting for an event nobody sends?)"
            )
        return self.result(run_id)

    async def settle(self, *, timeout: dt.timedelta | float | None = None) -> list[RunResult]:
        """Drive until nothing is left to do (or ``timeout`` of virtual time passes)."""
        seconds = check_duration("timeout", timeout, allow_none=True)
        until = self.clock.now() + seconds if seconds is not None else None
        await self._engine.scheduler.drive(lambda: False, until=until)
        return self.runs

    async def check_replay(
        self, run: RunResult | str, *, raise_on_divergence: bool = True, worlds: bool = True
    ) -> ReplayReport:
        """Replay a finished run from every prefix of its saved steps.

        Then (``worlds=True``, for code in this process) every prefix again under a
        wall clock 13 hours and 32 days later and with ``random`` freshly seeded: code
        outside steps that reads the time or draws random numbers and takes another
        path is named, with the fix. Raises ``NondeterminismError`` naming the first
        step where the replay leaves the original path; with
        ``raise_on_divergence=False`` the returned report says it instead
        (``report.ok``, ``report.divergence``). No step body runs during the check.
        """
        __tracebackhide__ = True
        state = self._run_state(run.run_id if isinstance(run, RunResult) else run)
        if state.running:
            raise InvalidArgument(
                f"run {state.run_id} is still running; check it once it has ended"
            )
        check_bool("raise_on_divergence", raise_on_divergence)
        check_bool("worlds", worlds)
        in_process = self.backend.supports_body_probe  # the code runs here, so it can be moved
        return await check_replay(
            self._engine.endpoint,
            state,
            raise_on_divergence=raise_on_divergence,
            worlds=WORLDS if worlds and in_process else (),
        )

    async def check_deploy(self, histories: Iterable[RunHistory]) -> DeployReport:
        """Resume each run history against this simulator's code, as the server would.

        Each verdict says whether the run continues unchanged or what goes wrong
        (``inngest_sim.history`` explains the kinds). No step body runs.
        """
        return DeployReport(
            tuple(
                await check_histories(
                    self._engine.endpoint,
                    self.functions,
                    list(histories),
                    probe=self._sdk if self.backend.supports_body_probe else None,
                )
            )
        )

    @contextlib.contextmanager
    def hold_time(self) -> Iterator[None]:
        """Inside this block virtual time moves only through ``advance``.

        Useful to send events at chosen virtual moments: nothing due later runs
        until the test advances the clock.
        """
        clock = self.clock
        if not isinstance(clock, VirtualClock):
            raise InvalidArgument("hold_time() needs a virtual clock; a real clock cannot be held")
        previous, clock.autojump = clock.autojump, False
        try:
            yield
        finally:
            clock.autojump = previous

    async def advance(self, delta: dt.timedelta | float) -> None:
        """Move virtual time forward by ``delta``, running everything due on the way."""
        seconds = check_duration("delta", delta)
        assert seconds is not None
        until = self.clock.now() + seconds
        engine = self._engine
        self._started(self._runtime).flow.cron.arm(engine, until)  # cron fires only while advancing
        await engine.scheduler.drive(lambda: False, until=until)

    async def advance_to(self, when: dt.datetime) -> None:
        """Move virtual time forward to ``when``, running everything due on the way.

        ``when`` is an aware ``datetime`` not before the simulator's now: the
        counterpart of time-machine's ``move_to``, as ``advance`` is of ``shift``.
        """
        if not isinstance(when, dt.datetime):
            raise InvalidArgument(
                f"{given('when', when)}: expected an aware datetime, e.g. "
                "datetime(2026, 1, 1, 9, tzinfo=timezone.utc); advance(timedelta) moves by a "
                "duration"
            )
        target = check_datetime("when", when)
        now = self.clock.now()
        if target < now - 1e-6:  # a microsecond: what a datetime can tell apart
            at = dt.datetime.fromtimestamp(now, dt.UTC).isoformat()
            raise InvalidArgument(
                f"{given('when', when)} is {dt.timedelta(seconds=round(now - target, 6))} "
                f"before the simulator's now ({at}): time can't go backwards"
            )
        await self.advance(max(0.0, target - now))


class _ProbeListener:
    """Registers each run with the in-process probe while it runs (the scope forgets
    whatever is left when the simulator closes)."""

    def __init__(self, sdk: SdkScope, watch: BodyWatch) -> None:
        self.sdk = sdk
        self.watch = watch

    def run_started(self, ops: Any, run: RunState) -> None:
        self.sdk.listen(run.run_id, self.watch)

    def run_ended(self, ops: Any, run: RunState) -> None:
        self.sdk.forget(run.run_id)


def _signing_key(client: Any) -> str | None:
    """The key to sign requests with: only a production-mode client has one."""
    if not getattr(client, "is_production", False):
        return None
    key = getattr(client, "signing_key", None)
    return key if isinstance(key, str) else None
