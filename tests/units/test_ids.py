"""``_ids``: deterministic ULID-shaped ids for runs, events and requests."""

from __future__ import annotations

import base64
import re

import pytest

from inngest_sim._ids import IdSource, SeededEventIds

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")  # Crockford base32: no I, L, O, U
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NOW = 1_772_366_400.123


def _millis(ulid: str) -> int:
    value = 0
    for char in ulid[:10]:
        value = value * 32 + CROCKFORD.index(char)
    return value


def _header(millis: int, entropy: bytes = b"0123456789") -> str:
    return f"{millis},{base64.b64encode(entropy).decode()}"


def test_a_ulid_carries_the_virtual_millisecond_and_is_crockford_base32() -> None:
    ids = IdSource(seed=1)
    ulid = ids.ulid(NOW)
    assert ULID.match(ulid)
    assert _millis(ulid) == 1_772_366_400_123
    assert _millis(ids.ulid(0)) == 0


def test_the_same_seed_gives_the_same_ids_in_the_same_order() -> None:
    first, second = IdSource(7), IdSource(7)
    a = [first.ulid(NOW + i) for i in range(50)]
    assert a == [second.ulid(NOW + i) for i in range(50)]
    assert len(set(a)) == 50
    assert a != [IdSource(8).ulid(NOW + i) for i in range(50)]


def test_ids_made_later_sort_later() -> None:
    ids = IdSource(3)
    made = [ids.ulid(NOW + i / 1000) for i in range(0, 5000, 7)]
    assert made == sorted(made)  # the time part leads, so ids sort by creation instant


def test_an_event_id_seed_header_gives_the_same_ids_again_on_a_retried_send() -> None:
    ids = SeededEventIds(seed=1)
    header = _header(1_772_366_400_123)
    first = [ids.id_for(header, i) for i in range(3)]
    assert all(i is not None and ULID.match(i) for i in first)
    assert len(set(first)) == 3
    assert [ids.id_for(header, i) for i in range(3)] == first  # the retry
    assert all(_millis(i) == 1_772_366_400_123 for i in first if i is not None)


def test_event_ids_come_from_the_simulators_seed_not_the_headers_entropy() -> None:
    # The SDK fills the header from `secrets`: ids taken from it would change every run.
    a = SeededEventIds(seed=1).id_for(_header(5, b"aaaaaaaaaa"), 0)
    b = SeededEventIds(seed=1).id_for(_header(5, b"bbbbbbbbbb"), 0)
    c = SeededEventIds(seed=2).id_for(_header(5, b"aaaaaaaaaa"), 0)
    assert a == b != c


def test_two_headers_get_ids_of_their_own() -> None:
    ids = SeededEventIds(seed=1)
    one = ids.id_for(_header(5, b"aaaaaaaaaa"), 0)
    two = ids.id_for(_header(5, b"bbbbbbbbbb"), 0)
    assert one != two


@pytest.mark.parametrize(
    "header",
    [
        "",
        "123",  # no entropy
        "abc," + base64.b64encode(b"0123456789").decode(),  # millis not digits
        "123," + base64.b64encode(b"short").decode(),  # not 10 bytes
        "123,not base64!",
        "-1," + base64.b64encode(b"0123456789").decode(),
    ],
)
def test_a_header_in_another_form_gives_no_id(header: str) -> None:
    assert SeededEventIds(seed=1).id_for(header, 0) is None


def test_only_the_newest_headers_are_remembered() -> None:
    """A long-lived dev server sees a header per SDK send: it keeps the newest ones (a
    retry comes within a few attempts), not every one."""
    ids = SeededEventIds(seed=1, remember=3)
    headers = [_header(5, bytes([n]) * 10) for n in range(5)]
    first = [ids.id_for(header, 0) for header in headers]
    assert [ids.id_for(header, 0) for header in headers[2:]] == first[2:]  # still known
    assert ids.id_for(headers[0], 0) != first[0]  # forgotten: a new base was drawn
