"""``_clock``: the two clocks and the two questions the scheduler asks them.

The virtual clock's float arithmetic (whole milliseconds, never short of a deadline) is
held by a property test in ``tests/sim/test_clock.py``; these are the rest of its
contract, and the real clock's.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest

from inngest_sim import InvalidArgument, RealClock, VirtualClock

START = dt.datetime(2026, 3, 1, 12, 0, 0, 250000, tzinfo=dt.UTC)


def test_a_virtual_clock_starts_where_it_is_told_on_a_whole_millisecond() -> None:
    assert VirtualClock(START).now() == START.timestamp()
    assert VirtualClock(START).datetime() == START
    assert VirtualClock(10.0004).now() == 10.0
    assert VirtualClock(10.0006).now() == 10.001
    assert VirtualClock(0).datetime() == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_a_virtual_clock_with_no_start_starts_at_the_real_now() -> None:
    before = time.time()
    now = VirtualClock().now()
    assert before - 0.001 <= now <= time.time() + 0.001


@pytest.mark.parametrize(
    ("start", "says"),
    [
        (dt.datetime(2026, 1, 1), "naive datetime"),
        ("2026-01-01", "expected an aware datetime or POSIX seconds"),
        (float("nan"), "expected an aware datetime or POSIX seconds"),
        (True, "expected an aware datetime or POSIX seconds"),
    ],
)
def test_a_start_that_is_not_a_time_is_refused_with_an_example(start: object, says: str) -> None:
    with pytest.raises(InvalidArgument, match=f"start=.*{says}.*tzinfo=timezone.utc"):
        VirtualClock(start)  # type: ignore[arg-type]


def test_the_datetime_is_aware_utc_and_exact_to_the_millisecond() -> None:
    clock = VirtualClock(START)
    clock.advance(0.001)
    moment = clock.datetime()
    assert moment.tzinfo is dt.UTC
    assert moment == START + dt.timedelta(milliseconds=1)
    assert moment.microsecond % 1000 == 0


def test_listeners_hear_each_move_and_only_moves() -> None:
    clock = VirtualClock(100)
    heard: list[float] = []
    unsubscribe = clock.subscribe(heard.append)
    clock.advance(5)
    clock.advance(0)  # no move
    clock.advance_to(50)  # earlier: ignored
    clock.reach(110, asked=False)  # autojump: a move
    unsubscribe()
    clock.advance(1)
    assert heard == [105.0, 110.0]


def test_a_listener_may_unsubscribe_while_being_told() -> None:
    clock = VirtualClock(0)
    heard: list[str] = []
    stops: list[object] = []

    def once(now: float) -> None:
        heard.append(f"once {now}")
        stop = stops[0]
        assert callable(stop)
        stop()

    stops.append(clock.subscribe(once))
    clock.subscribe(lambda now: heard.append(f"always {now}"))
    clock.advance(1)
    clock.advance(1)
    assert heard == ["once 1.0", "always 1.0", "always 2.0"]


def test_virtual_time_never_passes_by_itself() -> None:
    clock = VirtualClock(0)
    assert clock.is_virtual
    assert clock.real_seconds_until(10) is None
    assert clock.now() == 0


@pytest.mark.parametrize(
    ("autojump", "asked", "moves"),
    [(True, False, True), (True, True, True), (False, True, True), (False, False, False)],
)
def test_reach_jumps_when_autojumping_or_asked_and_says_whether_time_is_there(
    autojump: bool, asked: bool, moves: bool
) -> None:
    clock = VirtualClock(0, autojump=autojump)
    assert clock.reach(30, asked=asked) is moves
    assert clock.now() == (30 if moves else 0)
    assert clock.reach(0, asked=asked)  # a deadline already there: reached, no move
    if moves:
        assert clock.reach(20, asked=asked)  # already passed: reached, and no move back
        assert clock.now() == 30


def test_autojump_can_be_switched_while_the_clock_runs() -> None:
    clock = VirtualClock(0)
    clock.autojump = False
    assert not clock.reach(5, asked=False)
    clock.autojump = True
    assert clock.reach(5, asked=False)


def test_a_real_clock_reads_the_wall_and_cannot_be_made_to_jump() -> None:
    clock = RealClock()
    assert not clock.is_virtual
    assert abs(clock.now() - time.time()) < 1
    assert clock.real_seconds_until(clock.now() - 60) == 0.0
    assert 3599 < (clock.real_seconds_until(clock.now() + 3600) or 0) <= 3600
    assert clock.reach(clock.now() - 1, asked=False)
    assert not clock.reach(clock.now() + 3600, asked=True)  # asking does not move real time
