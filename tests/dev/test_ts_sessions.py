"""Event sessions (``meta.sessions``) of the TypeScript SDK v4 app: merged and removed on the
Event API, carried through ``step.sendEvent``, ``step.invoke`` and ``defer()``, with
checkpointing on and off.

Expected values are what the real Go dev server did with the same app and events
(``pkg/event/sessions.go`` ResolveSessions and Validate).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from inngest_sim import Simulator
from inngest_sim._server.sessions import SessionError, resolve_sessions

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


async def send(port: int, event: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"http://127.0.0.1:{port}/e/NO_EVENT_KEY_SET", json=event)


async def test_sessions_are_merged_and_carried_to_sent_and_invoked_runs(
    ts_sim: Simulator, ts_api_port: int
) -> None:
    meta = {"sessions": {"user": "u1", "drop": "d1", "num": 7}}
    answer = await send(ts_api_port, {"name": "ts/session", "data": {}, "meta": meta})
    assert answer.status_code == 200
    await ts_sim.settle()
    outputs = {r.function_id: r.output for r in ts_sim.runs if r.event["name"] == "ts/session"}
    parent_sessions = {"drop": "d1", "num": "7", "user": "u1"}  # a number becomes its text
    assert outputs["ts-app-session-parent"] == {
        "sessions": parent_sessions,
        "invoked": {"sessions": parent_sessions},  # step.invoke carries them as they are
    }
    (forwarded,) = [r for r in ts_sim.runs if r.event["name"] == "ts/session.child"]
    # step.sendEvent's own layer adds "own" and removes "drop" (a null) from the inherited.
    assert forwarded.output == {"sessions": {"num": "7", "own": "mine", "user": "u1"}}
    assert forwarded.event["meta"] == {"sessions": {"num": "7", "own": "mine", "user": "u1"}}
    (deferred,) = [r for r in ts_sim.runs if r.function_id == "ts-app-deferred-report"]
    # defer() stamps them as propagated; the deferred event carries them merged.
    assert deferred.event["meta"] == {"sessions": parent_sessions}
    assert deferred.output == {
        "input": {"from": "session-parent"},
        "parent": "ts-app-session-parent",
        "sessions": parent_sessions,
    }


@pytest.mark.parametrize(
    ("sessions", "error"),
    [
        ({"a": {"x": 1}}, 'event session "a" must be a string, number, or null'),
        ({str(i): "v" for i in range(6)}, "event sessions can include at most 5 entries"),
        ({"k": ""}, 'event session "k" cannot have an empty ID'),
        ({"k": "x" * 600}, 'event session "k" exceeds 512 bytes'),
    ],
)
async def test_the_event_api_refuses_sessions_as_the_server_does(
    ts_app: str, ts_api_port: int, sessions: dict[str, Any], error: str
) -> None:
    async with Simulator.from_url(ts_app, api_port=ts_api_port, start=START):
        answer = await send(
            ts_api_port, {"name": "ts/x", "data": {}, "meta": {"sessions": sessions}}
        )
    assert answer.status_code == 400
    assert answer.json() == {"ids": [""], "status": 400, "error": error}


def test_the_senders_layer_wins_and_inherited_keys_fill_up_to_five_in_byte_order() -> None:
    meta = {
        "sessions": {"a": "1", "b": "2", "c": "3"},
        "propagated_sessions": {"z": "9", "y": "8", "x": "7", "a": "0"},
    }
    assert resolve_sessions(meta) == {
        "sessions": {"a": "1", "b": "2", "c": "3", "x": "7", "y": "8"}
    }


def test_a_null_layer_removes_every_inherited_session() -> None:
    assert resolve_sessions({"sessions": None, "propagated_sessions": {"p": "1"}}) is None
    assert resolve_sessions({"sessions": {"p": None}, "propagated_sessions": {"p": "1"}}) is None


def test_an_inherited_session_may_not_be_null() -> None:
    with pytest.raises(SessionError, match='event session "p" must be a string or number'):
        resolve_sessions({"propagated_sessions": {"p": None}})
