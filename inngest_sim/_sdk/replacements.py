"""What the accelerator puts in the SDK's place; ``accelerator`` decides whether and when.

Each replacement does what the SDK's own code does, with less work; the module doc of
``inngest_sim._sdk.accelerator`` says what each one saves and why it is the same.
Nothing here installs anything.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import weakref
from typing import TYPE_CHECKING, Any, Final

from inngest_sim._sdk.probe import MISS

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "BlockTimingSdk",
    "ReplaySdk",
    "make_block_timing",
    "make_pop",
    "make_replays",
    "make_step_init",
    "release",
]


class _OwnedMemos(dict[str, Any]):
    """A ``StepMemos``'s private copy of its memos, made by its first successful pop.

    Its type is the mark that the copy is the accelerator's to mutate.
    """

    __slots__ = ()


class _Released:
    """Stands in for a release future that has fired; ``release`` only asks ``done()``."""

    __slots__ = ()

    def done(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<released (inngest_sim accelerator)>"


_RELEASED: Final = _Released()


@dataclasses.dataclass(frozen=True, slots=True)
class ReplaySdk:
    """The SDK's pieces the fast replay uses, looked up (and checked) once."""

    empty: object
    default_type: object
    hash_step_id: Callable[[str], str]
    in_step: Any
    nested: type[BaseException]
    step_error: Callable[..., BaseException]
    execution_async: type
    execution_sync: type


def make_pop(empty: object) -> Callable[[Any, str], Any]:
    def pop(self: Any, hashed_id: str) -> Any:
        memos = self._memos
        if type(memos) is not _OwnedMemos:
            if hashed_id not in memos:
                return empty
            # Copy once, so the dict this StepMemos was built from stays intact (the
            # SDK's own pop rebinds a new dict instead of mutating it).
            memos = self._memos = _OwnedMemos(memos)
        return memos.pop(hashed_id, empty)

    return pop


async def release(self: Any) -> None:
    signal = self._release_signal
    if signal.done():
        return
    signal.set_result(self)
    await signal
    # The future holds this step as its result; dropping our reference to it
    # breaks the step <-> future cycle, so both die by reference counting.
    self._release_signal = _RELEASED


def make_replays(sdk: ReplaySdk) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The fast replay of a memoized ``step.run``, async and sync (see the module doc)."""
    empty, default_type = sdk.empty, sdk.default_type
    # A step id hashes the same every time (SHA-1 of the text), and a run asks for the
    # same few ids in every request: remember the answers, boundedly.
    hash_step_id = functools.lru_cache(maxsize=4096)(sdk.hash_step_id)
    in_step, nested, step_error = sdk.in_step, sdk.nested, sdk.step_error

    def take(step: Any, step_id: object, kw: dict[str, Any], execution_type: Any) -> Any:
        """Count the step and pop its memo, as the SDK would; None (and no change) if
        this is not a plain replay."""
        if type(step_id) is not str or (kw and (len(kw) > 1 or "output_type" not in kw)):
            return None
        execution: Any = step._execution
        if type(execution) is not execution_type:
            return None
        counter = step._step_id_counter
        seen = counter._counts.get(step_id, 0)
        hashed = hash_step_id(f"{step_id}:{seen}" if seen else step_id)
        memos = execution._memos
        memo = memos._memos.get(hashed)
        if memo is None or (memo.error is None and memo.data is empty):
            return None
        counter.increment(step_id)
        memos.pop(hashed)
        return memo

    def answer(step: Any, memo: Any, kw: dict[str, Any]) -> Any:
        if in_step.get() is True:
            raise nested()
        error = memo.error
        if error is not None:
            raise step_error(message=error.message, name=error.name, stack=error.stack)
        return step._client._deserialize(memo.data, kw.get("output_type", default_type))

    execution_async, execution_sync = sdk.execution_async, sdk.execution_sync

    async def run_async(step: Any, step_id: object, kw: dict[str, Any]) -> Any:
        memo = take(step, step_id, kw, execution_async)
        if memo is None:
            return MISS
        execution = step._execution
        if execution._memos.size == 0:
            await execution._middleware.before_execution()
        return answer(step, memo, kw)

    def run_sync(step: Any, step_id: object, kw: dict[str, Any]) -> Any:
        memo = take(step, step_id, kw, execution_sync)
        if memo is None:
            return MISS
        execution = step._execution
        if execution._memos.size == 0:
            execution._middleware.before_execution_sync()
        return answer(step, memo, kw)

    return run_async, run_sync


def make_step_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        ai = self.__dict__.get("ai")
        if ai is not None and ai.__dict__.get("_step") is self:
            ai._step = weakref.proxy(self)

    return __init__


@dataclasses.dataclass(frozen=True, slots=True)
class BlockTimingSdk:
    """What the SDK's event-loop-block timing uses: its clock and its tick."""

    perf_counter: Callable[[], float]
    interval: float


class _Ticks:
    """Stands in for the SDK's tracker task: ``__exit__`` cancels it, ``to_header`` asks
    only whether there is one.

    The timing it feeds travels in the pending callback's arguments, not in an
    attribute: a cancelled handle drops them, so no cycle outlives the request.
    """

    __slots__ = ("handle", "last")

    def __init__(self) -> None:
        self.handle: asyncio.Handle | None = None
        self.last = 0.0

    def cancel(self) -> bool:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        return True


def make_block_timing(sdk: BlockTimingSdk) -> Callable[[Any], Any]:
    """``_AsyncBlockServerTiming.__enter__`` without a task per request.

    The SDK starts a task that notes the clock, yields once, and then, every
    ``interval``, adds to ``_block_dur`` how far past the interval the loop woke it (the
    time the event loop was blocked). These loop callbacks do the same steps in the
    same order; a task costs several times as much per request.
    """
    perf_counter, interval = sdk.perf_counter, sdk.interval

    def first(ticks: _Ticks, timing: Any, loop: asyncio.AbstractEventLoop) -> None:
        ticks.last = perf_counter()
        ticks.handle = loop.call_soon(tick, ticks, timing, loop)

    def tick(ticks: _Ticks, timing: Any, loop: asyncio.AbstractEventLoop) -> None:
        now = perf_counter()
        timing._block_dur += max(now - ticks.last - interval, 0)
        ticks.last = now
        ticks.handle = loop.call_later(interval, tick, ticks, timing, loop)

    def __enter__(self: Any) -> Any:
        if self._start_counter is None:
            self._start_counter = perf_counter()
        if self._tracker_task is None:
            loop = asyncio.get_running_loop()  # create_task needs one too, and says so alike
            ticks = _Ticks()
            ticks.handle = loop.call_soon(first, ticks, self, loop)
            self._tracker_task = ticks
        return self

    return __enter__
