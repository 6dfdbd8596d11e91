"""Reading run histories strictly: every problem names the file and the field.

A truncated file, a hand edit that broke a type, a field this version does not know,
or a history written by a newer format: each is one ``HistoryError`` that says where
and what to do, never a traceback from deep inside the check.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TypeVar, cast

from inngest_sim._errors import InvalidArgument
from inngest_sim._history.format import (
    FORMAT,
    PAUSED_OPS,
    STATES,
    VERSION,
    HistoryStep,
    PendingStep,
    RunHistory,
    State,
)

__all__ = ["HistoryError", "history_from_dict", "load_histories", "load_history"]

T = TypeVar("T")
_STATUSES = ("Running", "Completed", "Failed", "Cancelled")


class HistoryError(InvalidArgument):
    """A run history that cannot be read: the message names the file and the field."""


class _Fields:
    """One JSON object of the history, read field by field with its path for messages."""

    def __init__(self, source: str, path: str, value: Any) -> None:
        self.source, self.path = source, path
        if not isinstance(value, dict):
            raise self.error(f"expected an object, got {_kind(value)}")
        self.value: dict[str, Any] = value

    def error(self, message: str, field: str | None = None) -> HistoryError:
        where = f"{self.path}.{field}" if field else self.path
        return HistoryError(f"{self.source}: field {where!r}: {message}")

    def only(self, *names: str) -> None:
        unknown = sorted(set(self.value) - set(names))
        if unknown:
            raise self.error(
                f"unknown field {unknown[0]!r} (known: {', '.join(names)}); was the file "
                "edited by hand, or written by a newer inngest-sim?"
            )

    def get(self, name: str, kind: type[T], *, optional: bool = False) -> T:
        if name not in self.value:
            if optional:
                return cast("T", None)
            raise self.error("missing", name)
        value = self.value[name]
        if value is None and optional:
            return cast("T", None)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.error(f"expected an integer, got {_kind(value)}", name)
        if not isinstance(value, kind):
            raise self.error(f"expected {_names[kind]}, got {_kind(value)}", name)
        return value

    def text(self, name: str) -> str:
        value = self.get(name, str)
        if not value:
            raise self.error("is empty", name)
        return value

    def child(self, name: str) -> _Fields:
        return _Fields(self.source, f"{self.path}.{name}", self.get(name, dict))

    def items(self, name: str) -> list[_Fields]:
        return [
            _Fields(self.source, f"{self.path}.{name}[{i}]", item)
            for i, item in enumerate(self.get(name, list))
        ]


_names: dict[type, str] = {str: "a string", int: "an integer", dict: "an object", list: "a list"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", float: "a number"}.get(type(value), _names.get(type(value), "?"))


def history_from_dict(data: Any, source: str = "<history>") -> RunHistory:
    """A ``RunHistory`` from its JSON form, checked field by field."""
    root = _Fields(source, "$", data)
    fmt = root.get("format", str)
    if fmt != FORMAT:
        raise root.error(f"is {fmt!r}; a run history says {FORMAT!r}", "format")
    version = root.get("version", int)
    if version > VERSION:
        raise root.error(
            f"is {version}, newer than this inngest-sim reads ({VERSION}); upgrade inngest-sim "
            "or save the history again with this version",
            "version",
        )
    if version < 1:
        raise root.error(f"is {version}; versions start at 1", "version")
    root.only(
        "format", "version", "run_id", "function", "events", "status", "where", "steps",
        "in_flight", "output", "error",
    )  # fmt: skip
    function = root.child("function")
    function.only("id", "config")
    events = root.get("events", list)
    if not events:
        raise root.error("is empty; a run has at least one triggering event", "events")
    for i, event in enumerate(events):
        if not isinstance(event, dict):
            raise root.error(f"expected an object, got {_kind(event)}", f"events[{i}]")
    status = root.get("status", str)
    if status not in _STATUSES:
        raise root.error(f"is {status!r}; one of {', '.join(_STATUSES)}", "status")
    where = root.child("where")
    state, paused_on, until = _where(where)
    if (state == "ended") != (status != "Running"):
        raise where.error(f"is {state!r} but the run's status is {status!r}", "state")
    steps = tuple(_step(f) for f in root.items("steps"))
    _unique(root, "steps", [s.hashed_id for s in steps])
    in_flight = tuple(_pending(f) for f in root.items("in_flight"))
    error = root.get("error", dict, optional=True)
    return RunHistory(
        run_id=root.text("run_id"),
        function_id=function.text("id"),
        config=function.get("config", dict),
        events=tuple(events),
        status=status,
        state=state,
        steps=steps,
        in_flight=in_flight,
        paused_on=paused_on,
        until=until,
        output=root.value.get("output"),
        error=error,
        source=source,
    )


def _where(where: _Fields) -> tuple[State, PendingStep | None, dt.datetime | None]:
    state = where.get("state", str)
    if state not in STATES:
        raise where.error(f"is {state!r}; one of {', '.join(STATES)}", "state")
    if state not in PAUSED_OPS:
        where.only("state")
        return state, None, None
    where.only("state", "step", "until")
    step = _pending(where.child("step"))
    if step.op != PAUSED_OPS[state]:
        raise where.error(
            f"a run {state} is paused on a {PAUSED_OPS[state]}, not {step.op}", "step.op"
        )
    raw = where.get("until", str, optional=True)
    return state, step, _datetime(where, "until", raw) if raw else None


def _datetime(fields: _Fields, name: str, raw: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise fields.error(f"{raw!r} is not an ISO 8601 time", name) from None
    if when.tzinfo is None:
        raise fields.error(f"{raw!r} has no time zone; write it in UTC, ending in Z", name)
    return when


def _step(fields: _Fields) -> HistoryStep:
    fields.only("id", "hashed_id", "op", "attempts", "memo")
    if "memo" not in fields.value:
        raise fields.error("missing", "memo")
    memo = fields.value["memo"]
    if isinstance(memo, dict) and "error" in memo and not isinstance(memo["error"], dict):
        raise fields.error(
            f"a step's error is an object with name and message, got {_kind(memo['error'])}",
            "memo.error",
        )
    return HistoryStep(
        id=fields.text("id"),
        hashed_id=fields.text("hashed_id"),
        op=fields.text("op"),
        memo=memo,
        attempts=_count(fields),
    )


def _pending(fields: _Fields) -> PendingStep:
    fields.only("id", "hashed_id", "op", "attempts")
    return PendingStep(
        id=fields.text("id"),
        hashed_id=fields.text("hashed_id"),
        op=fields.text("op"),
        attempts=_count(fields),
    )


def _count(fields: _Fields) -> int:
    attempts = fields.get("attempts", int)
    if attempts < 0:
        raise fields.error(f"is {attempts}; a count of attempts is 0 or more", "attempts")
    return attempts


def _unique(root: _Fields, name: str, hashes: list[str]) -> None:
    seen: set[str] = set()
    for i, hashed in enumerate(hashes):
        if hashed in seen:
            raise root.error(f"repeats hashed id {hashed!r} of an earlier step", f"{name}[{i}]")
        seen.add(hashed)


def load_history(path: str | Path) -> RunHistory:
    """Read one history file; a ``HistoryError`` names the file and the field."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HistoryError(f"{file}: no such history file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{file}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        at_end = exc.lineno >= text.rstrip().count("\n") + 1
        cut = " (is it truncated?)" if at_end or exc.msg.startswith("Unterminated") else ""
        raise HistoryError(
            f"{file}: not JSON at line {exc.lineno} column {exc.colno}: {exc.msg}{cut}"
        ) from None
    return history_from_dict(data, str(file))


def load_histories(folder: str | Path) -> list[RunHistory]:
    """Every ``*.json`` history in ``folder`` (sorted by name); the folder is only read."""
    root = Path(folder)
    if not root.is_dir():
        raise HistoryError(
            f"{root}: not a folder of run histories (save some with RunResult.save_history)"
        )
    return [load_history(p) for p in sorted(root.glob("*.json"))]
