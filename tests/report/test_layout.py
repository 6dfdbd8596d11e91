from __future__ import annotations

import pytest

from inngest_sim.report._layout import END, MARK, START, Stop, TimeLayout, concurrency


def _layout(*spans: tuple[float, float, float, float]) -> tuple[TimeLayout, list[Stop]]:
    """A layout of requests given as (start t, start seq, end t, end seq)."""
    pairs = [(Stop(a, s, START), Stop(b, e, END)) for a, s, b, e in spans]
    return TimeLayout([s for p in pairs for s in p], pairs, t0=spans[0][0]), [
        s for p in pairs for s in p
    ]


def test_zero_time_requests_in_order_get_width_and_no_overlap() -> None:
    layout, stops = _layout((0, 1, 0, 2), (0, 3, 0, 4), (0, 5, 0, 6))
    xs = [layout.x(s) for s in stops]

    assert xs == sorted(xs)
    assert all(b > a for a, b in zip(xs[::2], xs[1::2], strict=True))
    assert xs[1] < xs[2]  # the second request starts after the first ended
    assert layout.order_only
    assert layout.instant == 1.0


def test_requests_started_together_share_their_start() -> None:
    layout, stops = _layout((0, 1, 0, 4), (0, 2, 0, 5))

    assert layout.x(stops[0]) == layout.x(stops[2])
    assert layout.x(stops[1]) == layout.x(stops[3])


def test_time_is_linear_in_seconds_when_requests_take_time() -> None:
    layout, stops = _layout((100, 1, 102, 2), (110, 3, 112, 4))

    assert layout.unit == 2
    assert layout.x(stops[1]) - layout.x(stops[0]) == pytest.approx(2)
    assert layout.x(stops[2]) - layout.x(stops[1]) == pytest.approx(8)
    assert not layout.gaps
    assert not layout.order_only


def test_a_long_idle_gap_is_compressed_and_reported() -> None:
    hour = 3600.0
    layout, stops = _layout((0, 1, 2, 2), (2 + hour, 3, 4 + hour, 4))

    (gap,) = layout.gaps
    assert gap[2] == pytest.approx(hour)
    assert gap[1] - gap[0] < layout.cap
    assert layout.total < 100
    assert layout.x(stops[2]) == pytest.approx(gap[1])


def test_an_idle_gap_while_a_request_executes_is_not_compressed() -> None:
    layout, _ = _layout((0, 1, 5000, 4), (0, 2, 1, 3))

    assert not layout.gaps
    assert layout.total == pytest.approx(5000)


def test_marks_never_widen_an_instant() -> None:
    pair = (Stop(0, 1, START), Stop(0, 5, END))
    marks = [Stop(0, 2, MARK), Stop(0, 3, MARK)]
    layout = TimeLayout([*pair, *marks], [pair], t0=0)

    assert layout.jumps == 1
    assert layout.x(marks[0]) == layout.x(pair[0])


def test_unknown_stops_are_placed_between_known_ones() -> None:
    layout, _ = _layout((0, 1, 10, 2), (20, 3, 30, 4))

    assert layout.x(Stop(15, 2.5)) == pytest.approx(15)
    assert layout.x(Stop(-5, 0)) == 0
    assert layout.x(Stop(40, 9)) == pytest.approx(layout.total + 10)


def test_concurrency_counts_overlaps_and_not_touching_ends() -> None:
    curve, peak = concurrency([(0, 2), (1, 3), (3, 4), (5, 5)])

    assert peak == 2
    assert curve == [[0, 1], [1, 2], [2, 1], [4, 0]]
