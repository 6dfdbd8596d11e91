"""``SyncSimulator``: the simulator for tests that are not ``async``.

The simulator and its event loop live in a background thread. Each coroutine method
of ``Simulator`` (listed in ``BLOCKING``) has a blocking twin here, written out with
the same signature so that type checkers see it (a parity test pins the signatures);
everything that touches the simulator's state runs on the loop's thread, read-only
views are read through.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim._sdk.serve import DEFAULT_SERVE_PATH
from inngest_sim._simulator.simulator import Simulator

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
    from types import TracebackType

    import httpx

    from inngest_sim._clock import Clock
    from inngest_sim._history.format import RunHistory
    from inngest_sim._history.verdict import DeployReport
    from inngest_sim._limits import Limits
    from inngest_sim._retry import Backoff
    from inngest_sim._server.api import InngestApi
    from inngest_sim._server.registry import FunctionSpec, Registry
    from inngest_sim._simulator.backends import Backend
    from inngest_sim._simulator.replay import ReplayReport
    from inngest_sim._views.results import RunResult
    from inngest_sim.faults import FaultPlan
    from inngest_sim.trace import Trace

__all__ = ["BLOCKING", "SyncSimulator"]

T = TypeVar("T")

#: The coroutine methods of ``Simulator``, mirrored as blocking methods.
BLOCKING = (
    "advance",
    "advance_to",
    "check_deploy",
    "check_replay",
    "run",
    "send",
    "settle",
    "signal",
    "trigger",
    "wait",
)


class SyncSimulator:
    """Blocking facade over ``Simulator``; takes the same arguments.

    Example:

    ```python
    with SyncSimulator(client, [my_fn]) as sim:
        run = sim.run(my_fn, data={"id": 1})
    ```
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
        self._start: Callable[[], Simulator] = lambda: Simulator(
            client,
            functions,
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
            serve_path=serve_path,
            signing_key=signing_key,
            backend=backend,
            accelerate=accelerate,
            freeze_gc=freeze_gc,
            checkpointing=checkpointing,
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="inngest-sim", daemon=True
        )
        self._sim: Simulator | None = None

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _on_loop(self, fn: Callable[[], T]) -> T:
        async def call() -> T:
            return fn()

        return self._call(call())

    @property
    def sim(self) -> Simulator:
        """The underlying async simulator (its attributes are safe to read)."""
        if self._sim is None:
            raise RuntimeError("use `with SyncSimulator(...) as sim:` first")
        return self._sim

    def __enter__(self) -> SyncSimulator:
        self._thread.start()

        async def start() -> Simulator:
            return await self._start().__aenter__()

        self._sim = self._call(start())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._sim is not None:
                self._call(self._sim.__aexit__(exc_type, exc, tb))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()

    @contextlib.contextmanager
    def hold_time(self) -> Iterator[None]:
        """``Simulator.hold_time``, entered and left on the simulator's thread."""
        held = self.sim.hold_time()
        self._on_loop(held.__enter__)
        try:
            yield
        finally:
            self._on_loop(lambda: held.__exit__(None, None, None))

    # ------------------------------------------------- blocking twins (BLOCKING)
    def run(
        self,
        fn: Any,
        data: Mapping[str, Any] | None = None,
        *,
        event: Mapping[str, Any] | None = None,
        events: Sequence[Mapping[str, Any]] | None = None,
        timeout: dt.timedelta | None = None,
    ) -> RunResult:
        """``Simulator.run``, blocking."""
        return self._call(self.sim.run(fn, data, event=event, events=events, timeout=timeout))

    def send(self, events: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[str]:
        """``Simulator.send``, blocking."""
        return self._call(self.sim.send(events))

    def signal(self, signal: str, data: Any = None) -> str | None:
        """``Simulator.signal``, blocking."""
        return self._call(self.sim.signal(signal, data))

    def trigger(
        self, event: Mapping[str, Any], *, timeout: dt.timedelta | float | None = None
    ) -> list[RunResult]:
        """``Simulator.trigger``, blocking."""
        return self._call(self.sim.trigger(event, timeout=timeout))

    def wait(self, run_id: str, *, timeout: dt.timedelta | float | None = None) -> RunResult:
        """``Simulator.wait``, blocking."""
        return self._call(self.sim.wait(run_id, timeout=timeout))

    def settle(self, *, timeout: dt.timedelta | float | None = None) -> list[RunResult]:
        """``Simulator.settle``, blocking."""
        return self._call(self.sim.settle(timeout=timeout))

    def check_deploy(self, histories: Iterable[RunHistory]) -> DeployReport:
        """``Simulator.check_deploy``, blocking."""
        return self._call(self.sim.check_deploy(histories))

    def check_replay(
        self, run: RunResult | str, *, raise_on_divergence: bool = True, worlds: bool = True
    ) -> ReplayReport:
        """``Simulator.check_replay``, blocking."""
        return self._call(
            self.sim.check_replay(run, raise_on_divergence=raise_on_divergence, worlds=worlds)
        )

    def advance(self, delta: dt.timedelta | float) -> None:
        """``Simulator.advance``, blocking."""
        self._call(self.sim.advance(delta))

    def advance_to(self, when: dt.datetime) -> None:
        """``Simulator.advance_to``, blocking."""
        self._call(self.sim.advance_to(when))

    # ----------------------------------------------------- read-only views
    @property
    def client(self) -> Any:
        return self.sim.client

    @property
    def backend(self) -> Backend:
        return self.sim.backend

    @property
    def clock(self) -> Clock:
        return self.sim.clock

    @property
    def limits(self) -> Limits:
        return self.sim.limits

    @property
    def seed(self) -> int:
        return self.sim.seed

    @property
    def faults(self) -> FaultPlan | None:
        return self.sim.faults

    @property
    def trace(self) -> Trace:
        return self.sim.trace

    @property
    def api(self) -> InngestApi | None:
        return self.sim.api

    @property
    def api_url(self) -> str | None:
        return self.sim.api_url

    @property
    def functions(self) -> Registry:
        return self.sim.functions

    def function(self, fn: Any) -> FunctionSpec:
        """``Simulator.function``: the registered spec of ``fn`` (a function or its id)."""
        return self.sim.function(fn)

    def result(self, run_id: str) -> RunResult:
        """``Simulator.result``: what run ``run_id`` did so far."""
        return self.sim.result(run_id)

    @property
    def runs(self) -> list[RunResult]:
        return self.sim.runs

    def runs_for(self, event_id: str) -> list[RunResult]:
        """``Simulator.runs_for``: the runs event ``event_id`` started."""
        return self.sim.runs_for(event_id)

    @property
    def published(self) -> list[dict[str, Any]]:
        return self.sim.published

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.sim.events
