"""``_engine.scheduler``: timers and in-flight work on one clock, and ``drive``.

On a virtual clock time jumps to the next timer only when no work is in flight; a
cancelled timer neither fires nor pulls time forward; ``until`` bounds time and moves a
held clock; a bug in spawned work surfaces from ``drive``. All on virtual time.
"""

from __future__ import annotations

import asyncio
import gc
import math
import threading
import weakref

import pytest

from inngest_sim import VirtualClock
from inngest_sim._engine.scheduler import Scheduler, Timer
from inngest_sim._errors import SimError

START = 1_000.0


def _scheduler(*, autojump: bool = True) -> tuple[Scheduler, VirtualClock]:
    clock = VirtualClock(START, autojump=autojump)
    return Scheduler(clock, asyncio.get_running_loop()), clock


async def test_timers_fire_in_time_order_and_ties_in_the_order_they_were_set() -> None:
    scheduler, clock = _scheduler()
    fired: list[tuple[str, float]] = []
    for name, delay in [("c", 30), ("a", 10), ("b1", 20), ("b2", 20), ("now", 0)]:
        scheduler.call_at(START + delay, lambda n=name: fired.append((n, clock.now())))
    assert await scheduler.drive(lambda: False) is False  # nothing left: done() at exit
    assert fired == [
        ("now", START),
        ("a", START + 10),
        ("b1", START + 20),
        ("b2", START + 20),
        ("c", START + 30),
    ]


async def test_a_timer_set_by_a_timer_fires_in_the_same_drive() -> None:
    scheduler, clock = _scheduler()
    fired: list[float] = []

    def again() -> None:
        fired.append(clock.now())
        if len(fired) < 3:
            scheduler.call_at(clock.now() + 3600, again)

    scheduler.call_soon(again)
    await scheduler.drive(lambda: False)
    assert fired == [START, START + 3600, START + 7200]


async def test_a_cancelled_timer_neither_fires_nor_pulls_time_forward() -> None:
    scheduler, clock = _scheduler()
    fired: list[str] = []
    owner: set[Timer] = set()
    late = scheduler.call_at(START + 86400, lambda: fired.append("late"), owner=owner)
    scheduler.call_at(START + 5, lambda: fired.append("early"))
    assert owner == {late}
    late.cancel()
    assert owner == set()  # a run's timer set does not keep it
    assert scheduler.next_due() == START + 5
    await scheduler.drive(lambda: False)
    assert fired == ["early"]
    assert clock.now() == START + 5
    assert scheduler.next_due() is None


async def test_a_fired_timer_leaves_its_owner_and_drops_its_callback() -> None:
    scheduler, _ = _scheduler()
    owner: set[Timer] = set()
    timer = scheduler.call_at(START, lambda: None, owner=owner)
    callback = timer.callback
    await scheduler.drive(lambda: False)
    assert owner == set()
    assert timer.callback is not callback  # what the callback held can be freed
    timer.cancel()  # after firing: changes nothing


async def test_drive_stops_as_soon_as_done_says_so() -> None:
    scheduler, clock = _scheduler()
    fired: list[int] = []
    for i in range(5):
        scheduler.call_at(START + i, lambda i=i: fired.append(i))
    assert await scheduler.drive(lambda: len(fired) == 2) is True
    assert fired == [0, 1]
    assert clock.now() == START + 1
    assert scheduler.next_due() == START + 2


async def test_virtual_time_waits_for_work_in_flight() -> None:
    scheduler, clock = _scheduler()
    seen: list[tuple[str, float]] = []

    async def request() -> None:
        for _ in range(5):  # a request takes real turns of the loop but no virtual time
            await asyncio.sleep(0)
        seen.append(("request done", clock.now()))

    scheduler.call_at(START + 60, lambda: seen.append(("timer", clock.now())))
    scheduler.spawn(request())
    assert scheduler.in_flight == 1
    await scheduler.drive(lambda: False)
    assert seen == [("request done", START), ("timer", START + 60)]
    assert scheduler.in_flight == 0


async def test_work_spawned_by_work_is_driven_too() -> None:
    scheduler, _ = _scheduler()
    done: list[int] = []

    async def chain(n: int) -> None:
        await asyncio.sleep(0)
        done.append(n)
        if n < 3:
            scheduler.spawn(chain(n + 1))

    scheduler.spawn(chain(0))
    await scheduler.drive(lambda: False)
    assert done == [0, 1, 2, 3]


async def test_a_bug_in_spawned_work_surfaces_from_drive() -> None:
    scheduler, _ = _scheduler()

    async def broken() -> None:
        raise RuntimeError("a bug in the simulator")

    scheduler.spawn(broken())
    with pytest.raises(RuntimeError, match="a bug in the simulator"):
        await scheduler.drive(lambda: False)


async def test_a_held_clock_stays_put_and_until_moves_it_exactly_that_far() -> None:
    scheduler, clock = _scheduler(autojump=False)
    fired: list[str] = []
    scheduler.call_at(START + 10, lambda: fired.append("at 10"))
    scheduler.call_at(START + 20, lambda: fired.append("at 20"))
    scheduler.call_at(START + 30, lambda: fired.append("at 30"))
    assert await scheduler.drive(lambda: False) is False
    assert (fired, clock.now()) == ([], START)  # held: only an advance moves it
    await scheduler.drive(lambda: False, until=START + 20)
    assert (fired, clock.now()) == (["at 10", "at 20"], START + 20)  # due at until: fired
    await scheduler.drive(lambda: False, until=START + 25)
    assert (fired, clock.now()) == (["at 10", "at 20"], START + 25)  # no timer: still moves


@pytest.mark.parametrize("when", [math.nan, math.inf, -math.inf])
async def test_a_timer_that_is_not_a_time_is_a_bug_said_as_one(when: float) -> None:
    scheduler, _ = _scheduler()
    with pytest.raises(SimError, match="is not a time; this is a bug in inngest-sim"):
        scheduler.call_at(when, lambda: None)
    assert scheduler.next_due() is None


async def test_another_thread_schedules_through_the_loop() -> None:
    scheduler, clock = _scheduler()
    fired: list[tuple[str, bool]] = []
    loop_thread = threading.get_ident()

    def from_thread() -> None:
        scheduler.call_soon_threadsafe(
            lambda: fired.append(("soon", threading.get_ident() == loop_thread))
        )

    thread = threading.Thread(target=from_thread)
    thread.start()
    await asyncio.to_thread(thread.join)
    await scheduler.drive(lambda: bool(fired))
    assert fired == [("soon", True)]
    assert clock.now() == START


async def test_call_blocking_runs_on_the_loop_and_hands_back_its_result_or_error() -> None:
    scheduler, _ = _scheduler()
    loop_thread = threading.get_ident()
    assert scheduler.call_blocking(lambda: 7) == 7  # on the loop's own thread: at once

    def on_the_loop() -> bool:
        return threading.get_ident() == loop_thread

    def broken() -> None:
        raise ValueError("from the loop")

    assert await asyncio.to_thread(scheduler.call_blocking, on_the_loop) is True
    with pytest.raises(ValueError, match="from the loop"):
        await asyncio.to_thread(scheduler.call_blocking, broken)


async def test_wait_for_work_returns_once_there_is_something_to_do() -> None:
    scheduler, _ = _scheduler()
    waiting = asyncio.ensure_future(scheduler.wait_for_work())
    await asyncio.sleep(0)
    assert not waiting.done()
    scheduler.call_at(START + 5, lambda: None)
    await asyncio.wait_for(waiting, timeout=5)
    await asyncio.wait_for(scheduler.wait_for_work(), timeout=5)  # a timer pending: at once


async def test_two_drivers_each_see_their_own_condition_met() -> None:
    scheduler, _ = _scheduler()
    fired: list[str] = []

    async def request(name: str) -> None:
        await asyncio.sleep(0)
        fired.append(name)

    scheduler.spawn(request("a"))
    scheduler.spawn(request("b"))
    both = await asyncio.gather(
        scheduler.drive(lambda: "a" in fired), scheduler.drive(lambda: "b" in fired)
    )
    assert both == [True, True]


async def test_cancel_all_stops_work_in_flight_and_forgets_timers() -> None:
    scheduler, _ = _scheduler()
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def forever() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    scheduler.spawn(forever())
    scheduler.call_at(START + 5, lambda: None)
    await started.wait()
    await scheduler.cancel_all()
    assert cancelled == [True]
    assert (scheduler.in_flight, scheduler.next_due()) == (0, None)
    assert await scheduler.drive(lambda: False) is False  # nothing left to do


async def test_the_same_timers_fire_in_the_same_order_every_time() -> None:
    async def order() -> list[int]:
        scheduler, _ = _scheduler()
        fired: list[int] = []
        for i in range(200):
            scheduler.call_at(START + (i * 37) % 11, lambda i=i: fired.append(i))
        await scheduler.drive(lambda: False)
        return fired

    first = await order()
    assert first == await order()
    assert sorted(first) == list(range(200))


async def test_timers_cancelled_behind_a_later_live_one_keep_nothing_alive() -> None:
    """A year-long live timer at the top of the heap, and 1,000 cancelled behind it (each
    run's matched waits): their callbacks, and what those close over, are freed."""
    scheduler, _ = _scheduler()
    scheduler.call_at(START + 86400, lambda: None)

    class Run:
        pass

    runs = [Run() for _ in range(1_000)]
    alive = weakref.WeakSet(runs)
    timers = [scheduler.call_at(START + 2 * 86400, lambda r=run: print(r)) for run in runs]
    for timer in timers:
        timer.cancel()
    del runs, timers
    gc.collect()
    assert len(alive) == 0
    assert scheduler.next_due() == START + 86400  # the live one is still due
