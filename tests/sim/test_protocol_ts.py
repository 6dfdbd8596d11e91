"""What the TypeScript SDK v4 writes on the wire, read without Node (the app tests need it)."""

from __future__ import annotations

import pytest

from inngest_sim._protocol import (
    ProtocolError,
    build_body,
    error_memo,
    parse_reply,
    parse_sleep_target,
    parse_time_or_duration,
)
from inngest_sim._server.registry import Registry

NOW = 1_893_456_000.0  # 2030-01-01T00:00:00Z
TS_HEADERS = {"x-inngest-sdk": "inngest-js:v4.24.0", "x-inngest-req-version": "2"}


@pytest.mark.parametrize(
    ("name", "seconds"),
    [
        ("3d", 3 * 86400),
        ("1m30s", 90),
        ("1w2d3h4m5s", 7 * 86400 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5),
        ("", 0),  # timeStr of 0 ms, or of what the ms package cannot parse
    ],
)
def test_a_sleep_named_by_a_duration_ends_that_long_from_now(name: str, seconds: float) -> None:
    assert parse_sleep_target(name, {}, NOW) == NOW + seconds


def test_a_sleep_named_by_an_iso_time_ends_then() -> None:
    assert parse_sleep_target("2031-01-01T00:00:00.000Z", {}, NOW) == 1_924_992_000.0


def test_a_python_sleep_with_opts_duration_is_read_as_before() -> None:
    assert parse_sleep_target("pause", {"duration": "10s"}, NOW) == NOW + 10


def test_an_unreadable_sleep_name_says_what_is_accepted() -> None:
    with pytest.raises(ProtocolError, match="neither an ISO-8601 time nor a duration"):
        parse_sleep_target("soon", {}, NOW)


@pytest.mark.parametrize(
    ("text", "at"),
    [("2031-01-01T00:00:00.000Z", 1_924_992_000.0), ("1h", NOW + 3600), ("", NOW)],
)
def test_timeouts_are_iso_instants_or_durations(text: str, at: float) -> None:
    assert parse_time_or_duration(text, NOW) == at


def test_an_error_memo_leaves_out_a_missing_stack() -> None:
    assert error_memo({"name": "TypeError", "message": "bad", "stack": None}) == {
        "error": {"name": "TypeError", "message": "bad"}
    }
    assert error_memo({"name": "E", "message": "m", "stack": "E: m"})["error"]["stack"] == "E: m"


def test_checkpoint_ids_go_in_ctx_only_when_given() -> None:
    common = {
        "event": {"name": "e"},
        "events": [{"name": "e"}],
        "steps": {},
        "stack": [],
        "run_id": "r",
        "attempt": 0,
        "max_attempts": 1,
        "disable_immediate_execution": False,
        "use_api": False,
    }
    assert "fn_id" not in build_body(**common)["ctx"]
    ctx = build_body(**common, fn_id="uuid", qi_id="cWk=")["ctx"]
    assert (ctx["fn_id"], ctx["qi_id"]) == ("uuid", "cWk=")


def test_run_complete_is_an_op_the_executor_reads() -> None:
    body = b'[{"op":"RunComplete","id":"0737c22d3bfae812339732d14d8c7dbd6dc4e09c","data":{"a":1}}]'
    reply = parse_reply(206, TS_HEADERS, body)
    assert [(op.op, op.data) for op in reply.ops] == [("RunComplete", {"a": 1})]


def test_an_unknown_protocol_version_is_a_clear_protocol_error() -> None:
    headers = {**TS_HEADERS, "x-inngest-req-version": "7"}
    with pytest.raises(ProtocolError, match=r"request version '7'.*speaks 1 and 2"):
        parse_reply(200, headers, b"null")


def test_the_typescript_registrations_app_name_is_the_app_id() -> None:
    registry = Registry.from_registration(
        {"appName": "ts-app", "functions": [{"id": "ts-app-sequential", "triggers": []}]}
    )
    assert registry.app_id == "ts-app"
    assert registry.get("sequential").id == "ts-app-sequential"
    assert registry.get("sequential").retries == 4  # no retries key: Go's default
