"""The accelerator's event-loop-block timing measures what the SDK's tracker task does.

The SDK times how long the event loop was blocked during a request with a task per
request; the accelerator does it with loop callbacks. Both are driven here on the same
readings of a fake clock, one loop turn per tick (``asyncio.sleep`` and ``call_later``
made to wait one turn instead of real time), and must add up the same blocked time.
"""

from __future__ import annotations

import asyncio
import gc
import types
import weakref
from collections.abc import Generator, Iterator
from typing import Any

import pytest
from inngest._internal import net

from inngest_sim._sdk.replacements import BlockTimingSdk, make_block_timing
from inngest_sim._sdk.scope import patched_sdk

# Clock readings, in the order the timing reads them: its start, the tracker's first
# note, then one per tick. Between 0.05 and 0.30 the loop was blocked for 0.15 s past
# the 0.1 s tick, and between 0.30 and 0.42 for 0.02 s more.
READINGS = [10.0, 10.0, 10.05, 10.30, 10.42, 10.50]


@types.coroutine
def _one_turn(delay: float, result: Any = None) -> Generator[None, None, Any]:
    yield  # a task that awaits this is resumed on the loop's next turn
    return result


def _clock() -> Iterator[float]:
    return iter(READINGS)


async def _measure(enter: Any, turns: int) -> tuple[float, str, int]:
    loop = asyncio.get_running_loop()
    loop.call_later = lambda delay, callback, *args, **kw: loop.call_soon(callback, *args)  # type: ignore[method-assign]
    timing = net._AsyncBlockServerTiming("async_block")
    tasks_before = len(asyncio.all_tasks())
    enter(timing)
    tasks_during = len(asyncio.all_tasks()) - tasks_before
    for _ in range(turns):
        await asyncio.sleep(0)
    timing.__exit__()
    return timing._block_dur, timing.to_header(), tasks_during


@pytest.fixture
def one_turn_sleeps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio, "sleep", _one_turn)


@pytest.mark.usefixtures("one_turn_sleeps")
@pytest.mark.parametrize("turns", [0, 1, 2, 3, 4])
def test_it_adds_up_the_blocked_time_as_the_sdks_tracker_does(
    monkeypatch: pytest.MonkeyPatch, turns: int
) -> None:
    stock_clock = _clock()
    monkeypatch.setattr(net, "time", types.SimpleNamespace(perf_counter=lambda: next(stock_clock)))
    stock_enter = net._AsyncBlockServerTiming.__dict__["__enter__"]
    stock = asyncio.run(_measure(stock_enter, turns))

    fast_clock = _clock()
    fast_enter = make_block_timing(BlockTimingSdk(lambda: next(fast_clock), 0.1))
    fast = asyncio.run(_measure(fast_enter, turns))

    assert fast[:2] == stock[:2]
    assert (stock[2], fast[2]) == (1, 0)  # the SDK's way costs a task per request
    if turns >= 4:
        assert stock[0] == pytest.approx(0.17)  # the comparison sees real blocking
        assert stock[1] == f"async_block;dur={int(stock[0] * 1000)}"


def test_the_accelerator_installs_it_and_puts_the_sdks_back() -> None:
    stock = net._AsyncBlockServerTiming.__dict__["__enter__"]
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert "_AsyncBlockServerTiming.__enter__" in status.reason
        assert net._AsyncBlockServerTiming.__dict__["__enter__"] is not stock
    assert net._AsyncBlockServerTiming.__dict__["__enter__"] is stock


def test_outside_an_event_loop_it_refuses_as_the_sdk_does() -> None:
    # The SDK's asyncio.create_task raises this (and leaves its coroutine unawaited).
    fast_enter = make_block_timing(BlockTimingSdk(lambda: 0.0, 0.1))
    with pytest.raises(RuntimeError, match="no running event loop"):
        fast_enter(net._AsyncBlockServerTiming("a"))


def test_a_finished_timing_is_freed_without_the_cycle_collector() -> None:
    fast_enter = make_block_timing(BlockTimingSdk(lambda: 0.0, 0.1))

    async def alive_after_exit() -> bool:
        timing = net._AsyncBlockServerTiming("async_block")
        fast_enter(timing)
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first tick has run and the next one is pending
        timing.__exit__()
        alive = weakref.ref(timing)
        del timing
        return alive() is not None

    gc.disable()
    try:
        assert asyncio.run(alive_after_exit()) is False
    finally:
        gc.enable()
