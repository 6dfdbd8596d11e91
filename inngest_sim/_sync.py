"""``SyncSimulator``: the simulator for tests that are not ``async``.

The simulator and its event loop live in a background thread. Each coroutine method
of ``Simulator`` (listed once, in ``BLOCKING``, and pinned by a parity test)
becomes a blocking method here; everything that touches the simulator's state runs on
the loop's thread, read-only views are read through.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from inngest_sim._simulator import Simulator

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterator
    from types import TracebackType

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args, self._kwargs = args, kwargs
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

    @contextlib.contextmanager
    def hold_time(self) -> Iterator[None]:
        """``Simulator.hold_time``, entered and left on the simulator's thread."""
        held = self.sim.hold_time()
        self._on_loop(held.__enter__)
        try:
            yield
        finally:
            self._on_loop(lambda: held.__exit__(None, None, None))

    def __getattr__(self, name: str) -> Any:
        # Read-only views (trace, runs, events, published, clock...) come straight through.
        return getattr(self.sim, name)


def _blocking(name: str) -> Callable[..., Any]:
    method = getattr(Simulator, name)

    @functools.wraps(method)
    def call(self: SyncSimulator, *args: Any, **kwargs: Any) -> Any:
        return self._call(getattr(self.sim, name)(*args, **kwargs))

    return call


for _name in BLOCKING:
    setattr(SyncSimulator, _name, _blocking(_name))
del _name
