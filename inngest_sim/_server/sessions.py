"""Event sessions (``meta.sessions``), merged and checked as the server does.

An event's ``meta`` has two layers (``pkg/event/sessions.go``): ``sessions``, set by the
sender, where a ``null`` value removes an inherited key and a ``null`` layer removes them all;
and ``propagated_sessions``, which an SDK stamps from the run that sent the event
(``step.sendEvent``, ``step.invoke``, ``defer()``). ``ResolveSessions`` merges them: the
sender's keys win, then inherited keys in byte order fill what is left of 5; the stored event
keeps ``meta.sessions`` only. ``Validate`` then allows at most 5 sessions, keys of 1 to 128
bytes and ids of 1 to 512 bytes. The server resolves them on the Event API, for an invoked
run's event and for a deferred run's event.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SessionError", "resolve_event_sessions", "resolve_sessions"]

MAX_SESSIONS = 5  # consts.MaxEventSessions
MAX_KEY_BYTES = 128  # consts.MaxEventSessionKeyLength
MAX_ID_BYTES = 512  # consts.MaxEventSessionIDLength


class SessionError(ValueError):
    """Sessions the server refuses, with its message."""


def _id(name: str, value: Any, *, allow_null: bool) -> str | None:
    if value is None and allow_null:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json.dumps(value)  # Go keeps the number's JSON text (json.Number)
    kinds = "a string, number, or null" if allow_null else "a string or number"
    raise SessionError(f"event session {name!r} must be {kinds}".replace("'", '"'))


def _layer(raw: Any, *, manual: bool) -> dict[str, str | None]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise SessionError("event sessions must be an object")
    return {str(k): _id(str(k), v, allow_null=manual) for k, v in raw.items()}


def _check(sessions: dict[str, str]) -> None:
    if len(sessions) > MAX_SESSIONS:
        raise SessionError(f"event sessions can include at most {MAX_SESSIONS} entries")
    for name, value in sessions.items():
        if not name:
            raise SessionError("event session keys cannot be empty")
        if len(name.encode()) > MAX_KEY_BYTES:
            raise SessionError(f'event session key "{name}" exceeds {MAX_KEY_BYTES} bytes')
        if not value:
            raise SessionError(f'event session "{name}" cannot have an empty ID')
        if len(value.encode()) > MAX_ID_BYTES:
            raise SessionError(f'event session "{name}" exceeds {MAX_ID_BYTES} bytes')


def resolve_sessions(meta: Any) -> dict[str, Any] | None:
    """``meta`` with its two session layers merged into ``sessions``; None when nothing is
    left. Raises ``SessionError`` for sessions the server refuses."""
    if meta is None:
        return None
    if not isinstance(meta, dict):
        raise SessionError("event meta must be an object")
    out = {k: v for k, v in meta.items() if k not in ("sessions", "propagated_sessions")}
    clear_all = "sessions" in meta and meta["sessions"] is None
    manual = _layer(meta.get("sessions"), manual=True)
    inherited = _layer(meta.get("propagated_sessions"), manual=False)
    if clear_all:
        inherited = {}
    for name in [k for k, v in manual.items() if v is None]:
        inherited.pop(name, None)  # a tombstone removes the inherited key, and takes no slot
        del manual[name]
    merged: dict[str, str] = {k: v for k, v in manual.items() if v is not None}
    for name in sorted((k for k in inherited if k not in merged), key=str.encode):
        if len(merged) >= MAX_SESSIONS:
            break
        value = inherited[name]
        if value is not None:
            merged[name] = value
    _check(merged)
    if merged:
        out["sessions"] = merged
    return out or None


def resolve_event_sessions(event: dict[str, Any]) -> dict[str, Any]:
    """``event`` with its ``meta`` sessions resolved (a copy when they change)."""
    if "meta" not in event:
        return event
    meta = resolve_sessions(event["meta"])
    out = {k: v for k, v in event.items() if k != "meta"}
    if meta is not None:
        out["meta"] = meta
    return out
