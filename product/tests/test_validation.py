from __future__ import annotations

import pytest

from pipelines._validation import GenerationRequest, check_lecture_id, parse_request
from pipelines.errors import InvalidRequestError


def test_parses_minimal_event() -> None:
    assert parse_request({"lecture_id": "lec-1", "user_id": "u"}) == GenerationRequest(
        "lec-1", "u", False
    )
    assert parse_request({"lecture_id": "a_B9", "user_id": "u", "force": True}).force is True


@pytest.mark.parametrize(
    "bad", ["../x", "/", "\\", "a/b", "a\\b", "..", "", "-a", "a b", "x" * 129]
)
def test_rejects_path_like_or_malformed_ids(bad: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"lecture_id .* is not valid"):
        check_lecture_id(bad)


def test_rejects_non_string_id() -> None:
    with pytest.raises(InvalidRequestError, match=r"must be a string, got 5 \(type=int\)"):
        check_lecture_id(5)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"user_id": "u"}, "no 'lecture_id'"),
        ({"lecture_id": "l"}, "non-empty string 'user_id'"),
        ({"lecture_id": "l", "user_id": "  "}, "non-empty string 'user_id'"),
        ({"lecture_id": "l", "user_id": "u", "force": "yes"}, "'force' must be true or false"),
    ],
)
def test_bad_event_data(data: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        parse_request(data)
