"""``_flow.gate.Gcra``: the generic cell rate algorithm the throttle runs on virtual time.

``limit`` per ``period``, spaced evenly (one per ``period / limit``), up to ``capacity``
at one instant after a quiet spell. ``take`` passes one (None) or says when the next
may pass, and a refusal uses nothing up.
"""

from __future__ import annotations

import random

import pytest

from inngest_sim._flow.gate import EPSILON, Gcra


def _passes(bucket: Gcra, key: object, now: float, tries: int) -> int:
    return sum(bucket.take(key, now) is None for _ in range(tries))


@pytest.mark.parametrize("capacity", [1, 3, 10])
def test_after_a_quiet_spell_capacity_pass_at_once_and_then_one_per_interval(
    capacity: int,
) -> None:
    bucket = Gcra(limit=6, period=60.0, capacity=capacity)  # one every 10 s
    assert _passes(bucket, "k", 1000.0, 50) == capacity
    assert bucket.take("k", 1000.0) == pytest.approx(1010.0)
    assert bucket.take("k", 1009.0) == pytest.approx(1010.0)
    assert bucket.take("k", 1010.0) is None
    assert bucket.take("k", 1010.0) == pytest.approx(1020.0)


def test_capacity_zero_still_lets_one_through() -> None:
    bucket = Gcra(limit=1, period=5.0, capacity=0)
    assert bucket.take("k", 0.0) is None
    assert bucket.take("k", 0.0) == pytest.approx(5.0)


def test_a_refusal_uses_nothing_up() -> None:
    bucket = Gcra(limit=2, period=10.0, capacity=1)  # one every 5 s
    assert bucket.take("k", 0.0) is None
    answers = {bucket.take("k", t / 10) for t in range(50)}
    assert answers == {5.0}  # asked 50 times before 5 s: the same answer each time
    assert bucket.take("k", 5.0) is None


def test_over_a_long_span_the_rate_is_limit_per_period_plus_the_burst() -> None:
    bucket = Gcra(limit=10, period=60.0, capacity=4)
    rng = random.Random(3)
    now, passed = 0.0, 0
    while now < 3600.0:  # an hour of requests arriving faster than the limit
        passed += bucket.take("k", now) is None
        now += rng.uniform(0.0, 2.0)
    # At most the burst plus one per 6 s; arrivals come at least every 2 s, so the bucket
    # never idles long enough to lose more than the last interval's pass.
    assert 10 * 60 + 4 - 1 <= passed <= 10 * 60 + 4


def test_the_next_instant_it_names_is_one_it_keeps() -> None:
    bucket = Gcra(limit=7, period=3.0, capacity=2)
    now = 100.0
    for _ in range(200):  # a caller that always comes back exactly when told
        wait = bucket.take("k", now)
        if wait is not None:
            assert wait > now
            now = wait
            assert bucket.take("k", now) is None


def test_float_noise_at_the_named_instant_does_not_refuse() -> None:
    bucket = Gcra(limit=3, period=1.0, capacity=1)
    assert bucket.take("k", 0.0) is None
    allow_at = bucket.take("k", 0.0)
    assert allow_at is not None
    assert bucket.take("k", allow_at - EPSILON / 2) is None  # 1/3 is not exact in floats


def test_keys_have_buckets_of_their_own() -> None:
    bucket = Gcra(limit=1, period=60.0, capacity=1)
    assert bucket.take(("fn", "a"), 0.0) is None
    assert bucket.take(("fn", "b"), 0.0) is None
    assert bucket.take(("fn", None), 0.0) is None
    assert bucket.take(("fn", "a"), 0.0) == pytest.approx(60.0)


def test_a_quiet_spell_refills_only_up_to_capacity() -> None:
    bucket = Gcra(limit=1, period=1.0, capacity=3)
    assert _passes(bucket, "k", 0.0, 10) == 3
    assert _passes(bucket, "k", 10_000.0, 10) == 3  # a long pause does not bank more


def test_the_same_arrivals_get_the_same_answers() -> None:
    def answers() -> list[float | None]:
        bucket = Gcra(limit=5, period=10.0, capacity=2)
        rng = random.Random(11)
        return [bucket.take(rng.choice("ab"), t * 0.7) for t in range(300)]

    assert answers() == answers()


def test_keys_whose_bucket_has_emptied_are_forgotten() -> None:
    """A key per event (a throttle keyed by an order id): once a key's bucket has emptied
    it passes as a key never seen, and it is not kept; the keys still filling are."""
    gcra = Gcra(limit=1, period=60.0, capacity=1)
    for n in range(10_000):
        assert gcra.take(f"order-{n}", now=float(n)) is None
    assert len(gcra) <= 2 * 60 + 64  # about a minute of keys, not 10,000
    assert gcra.take("order-9999", now=9999.0) is not None  # a key still filling is kept
