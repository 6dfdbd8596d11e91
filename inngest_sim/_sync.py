"""``SyncSimulator``: the simulator for tests that are not ``async``.

The simulator and its event loop live in a background thread; each call here
waits for its result. Works whether or not the calling thread runs a loop.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim._simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from types import TracebackType

    from inngest_sim._results import RunResult

__all__ = ["SyncSimulator"]

T = TypeVar("T")


class SyncSimulator:
    """Blocking facade over :class:`Simulator`; takes the same arguments.

    Example::

        with SyncSimulator(client, [my_fn]) as sim:
            run = sim.run(my_fn, data={"id": 1})
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args, self._kwargs = args, kwargs
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="inngest-sim", daemon=True
        )
        self._sim: Simulator | None = None

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    @property
    def sim(self) -> Simulator:
        """The underlying async simulator (its attributes are safe to read)."""
        if self._sim is None:
            raise RuntimeError("use `with SyncSimulator(...) as sim:` first")
        return self._sim

    def __enter__(self) -> SyncSimulator:
        self._thread.start()

        async def start() -> Simulator:
            return await Simulator(*self._args, **self._kwargs).__aenter__()

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

    def run(self, fn: Any, data: Any = None, **kwargs: Any) -> RunResult:
        return self._call(self.sim.run(fn, data, **kwargs))

    def send(self, events: Any) -> list[str]:
        return self._call(self.sim.send(events))

    def trigger(self, event: Any, **kwargs: Any) -> list[RunResult]:
        return self._call(self.sim.trigger(event, **kwargs))

    def settle(self, **kwargs: Any) -> list[RunResult]:
        return self._call(self.sim.settle(**kwargs))

    def advance(self, delta: Any) -> None:
        self._call(self.sim.advance(delta))

    def wait(self, run_id: str, **kwargs: Any) -> RunResult:
        return self._call(self.sim.wait(run_id, **kwargs))

    def __getattr__(self, name: str) -> Any:
        # Read-only views (trace, runs, events, published, clock...) come straight through.
        return getattr(self.sim, name)
