"""The virtual clock: forward only, on whole milliseconds, and never short of a deadline."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inngest_sim import InvalidArgument, VirtualClock

START = 1_796_162_397.16


# Whole-millisecond starts and delays (latencies, ISO times) are where float noise puts a
# deadline a hair past the millisecond; any float delay is covered too.
_ms = st.integers(min_value=0, max_value=10**10).map(lambda ms: ms / 1000)


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(
    start=st.integers(min_value=1_700_000_000_000, max_value=1_900_000_000_000).map(
        lambda ms: ms / 1000
    ),
    delta=_ms | st.floats(min_value=0.0, max_value=10 * 86400.0, allow_nan=False),
)
def test_time_reaches_every_deadline_and_stays_on_whole_milliseconds(
    start: float, delta: float
) -> None:
    clock = VirtualClock(start)
    when = clock.now() + delta
    assert clock.reach(when, asked=False)
    assert clock.now() >= when  # a timer due at `when` fires
    assert clock.now() - when < 0.001
    ms = clock.now() * 1000
    assert abs(ms - round(ms)) < 1e-3 or clock.now() == when


def test_time_cannot_go_backwards_or_by_nan() -> None:
    clock = VirtualClock(START)
    clock.advance_to(START - 5)
    assert clock.now() == START
    with pytest.raises(InvalidArgument, match="time can't go backwards"):
        clock.advance(-1)
    with pytest.raises(InvalidArgument, match="seconds=nan"):
        clock.advance(math.nan)


def test_a_held_clock_reaches_a_deadline_only_when_asked() -> None:
    clock = VirtualClock(START, autojump=False)
    assert not clock.reach(START + 10, asked=False)
    assert clock.now() == START
    assert clock.reach(START + 10, asked=True)
