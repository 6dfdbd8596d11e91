"""``_retry``: when a failed attempt runs again (the backoff table and Retry-After)."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from inngest_sim import Backoff, InvalidArgument
from inngest_sim._retry import MAX_RETRY_AFTER, MIN_RETRY_AFTER, retry_after_delay

# pkg/backoff/backoff.go BackoffTable: TableBackoff caps the attempt at its last entry.
GO_TABLE = (15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 2400.0, 3600.0, 7200.0)
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC).timestamp()


def test_the_default_table_is_the_servers_and_its_last_entry_repeats() -> None:
    exact = Backoff(jitter=0)
    rng = random.Random(0)
    assert [exact.delay(n, rng) for n in range(12)] == [*GO_TABLE, 7200.0, 7200.0]


def test_jitter_adds_up_to_thirty_seconds_and_is_drawn_from_the_rng() -> None:
    backoff = Backoff()
    rng = random.Random(5)
    extras = [backoff.delay(n % 10, rng) - GO_TABLE[n % 10] for n in range(2000)]
    assert all(0.0 <= extra <= 30.0 for extra in extras)
    assert max(extras) - min(extras) > 25  # spread over the range, not a constant
    # TableBackoff adds rand.Int31n(30_000) ms; the simulator draws from the seeded rng.
    assert len(set(extras)) == len(extras)


def test_a_seed_gives_the_same_schedule_every_time_and_another_seed_another() -> None:
    def schedule(seed: int) -> list[float]:
        rng = random.Random(seed)
        return [Backoff().delay(n, rng) for n in range(10)]

    assert schedule(42) == schedule(42)
    assert schedule(42) != schedule(43)


def test_a_custom_table_is_used_as_given() -> None:
    backoff = Backoff(table=(1, 2.5), jitter=0)
    rng = random.Random(0)
    assert [backoff.delay(n, rng) for n in range(4)] == [1, 2.5, 2.5, 2.5]
    assert Backoff(table=[0], jitter=0).delay(3, rng) == 0  # a list reads as well


@pytest.mark.parametrize(
    "table", [(), [], (1, -1), (math.nan,), (math.inf,), (True,), ("15",), "15", None, 15]
)
def test_a_table_that_is_not_seconds_is_refused_with_an_example(table: object) -> None:
    with pytest.raises(InvalidArgument, match=r"Backoff\.table=.*non-empty tuple.*e\.g\."):
        Backoff(table=table)  # type: ignore[arg-type]


@pytest.mark.parametrize("jitter", [-1, math.nan, math.inf, False, "30", None])
def test_a_jitter_that_is_not_seconds_is_refused_saying_how_to_turn_it_off(
    jitter: object,
) -> None:
    with pytest.raises(InvalidArgument, match=r"Backoff\.jitter=.*0 turns it off"):
        Backoff(jitter=jitter)  # type: ignore[arg-type]


# ------------------------------------------------------------------ Retry-After
@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 120 ", 120.0),  # surrounding space ignored
        ("3600", 3600.0),
        ("0000002", 2.0),  # seven characters: still seconds (parse.go: len(retry) <= 7)
        ("9999999", MAX_RETRY_AFTER),  # clamped to consts.MaxRetryDuration (24 h)
    ],
)
def test_whole_seconds_wait_that_long_within_the_servers_bounds(
    header: str, seconds: float
) -> None:
    assert retry_after_delay(header, NOW) == seconds


def test_an_iso_time_waits_until_then_to_the_millisecond_within_the_bounds() -> None:
    assert retry_after_delay("2026-03-01T12:00:30Z", NOW) == 30.0
    assert retry_after_delay("2026-03-01T12:00:30.250Z", NOW) == 30.25
    assert retry_after_delay("2026-03-01T13:00:00+01:00", NOW) == MIN_RETRY_AFTER  # = now
    assert retry_after_delay("2026-03-01T11:00:00Z", NOW) == MIN_RETRY_AFTER  # past
    assert retry_after_delay("2026-03-05T12:00:00Z", NOW) == MAX_RETRY_AFTER  # 4 days on
    assert (MIN_RETRY_AFTER, MAX_RETRY_AFTER) == (1.0, 86400.0)  # consts.go Min/MaxRetryDuration


@pytest.mark.parametrize("header", ["", "soon", "12345678", "-5", "1.5", "2026-13-01T00:00:00Z"])
def test_a_value_the_server_would_ignore_gives_none(header: str) -> None:
    # None: the backoff table decides instead. Eight digits are not seconds and not a time.
    assert retry_after_delay(header, NOW) is None
