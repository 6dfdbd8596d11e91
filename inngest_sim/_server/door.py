"""JSON bodies read at the door: what a later read, or the Go server, could not serve is refused.

Python's ``json`` takes more than JSON: ``NaN`` and ``Infinity``, ``1e999`` (read as
infinity), lone surrogates (``"\\ud800"``, which no UTF-8 writer can write back), and it
raises other errors than ``JSONDecodeError`` for bytes that are not UTF-8, integers of
more than 4,300 digits and deep nesting. Any of them taken into an event poisons every
later read of it (``GET /v1/events`` answering 500 for everyone). ``read_json`` refuses
each with a ``BadBody`` naming what is wrong and where, so a route answers 400.

The bounds follow the Go server, which decodes JSON numbers into 64-bit floats (an
integer beyond about 1.8e308 cannot be read there) and strings as UTF-8; the nesting bound
is far below what Python's recursive JSON writer needs to write the value back.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_INTEGER_DIGITS", "BadBody", "read_json"]

#: Arrays and objects may nest this deep; deeper is refused.
MAX_DEPTH = 128
#: The most digits an integer may have: a 64-bit float (Go's JSON number) ends near 1.8e308.
MAX_INTEGER_DIGITS = 308


class BadBody(ValueError):
    """A request body the server refuses, with the reason (the 400's message)."""


class _Refused(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _Refused(
        f"{name} is not a JSON number (JSON has no NaN or Infinity); send a finite number"
    )


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is beyond a 64-bit float; send a finite number")
    return value


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise _Refused(
            f"an integer of {digits} digits is beyond a 64-bit float (at most "
            f"{MAX_INTEGER_DIGITS} digits); send it as a string"
        )
    return int(text)


def read_json(body: bytes, what: str, *, empty: Any = None) -> Any:
    """``body`` read as JSON (``empty`` when there is none); ``BadBody`` when refused.

    ``what`` names the body in messages (``"the event payload"``).
    """
    if not body.strip():
        return empty
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadBody(
            f"{what} is not UTF-8: byte 0x{body[exc.start]:02x} at offset {exc.start}; "
            "send JSON encoded as UTF-8"
        ) from None
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except _Refused as exc:
        raise BadBody(f"{what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadBody(f"{what} is not JSON: {exc}") from None
    except RecursionError:
        raise BadBody(f"{what} nests arrays and objects deeper than {MAX_DEPTH}") from None
    problem = _problem(value)
    if problem:
        raise BadBody(f"{what}: {problem}")
    return value


def _problem(value: Any) -> str | None:
    """What in ``value`` cannot be written back as UTF-8 JSON, or nests too deep; None if
    nothing. Iterative, so a deep value cannot exhaust the stack here."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 0, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _unwritable(item):
                return f"{_where(path)} has a lone surrogate (invalid Unicode); send valid UTF-8"
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            return f"{_where(path)} nests arrays and objects deeper than {MAX_DEPTH}"
        if isinstance(item, list):
            stack.extend((child, depth + 1, (*path, i)) for i, child in enumerate(item))
            continue
        for key, child in item.items():
            if not key.isascii() and _unwritable(key):
                return f"a key in {_where(path)} has a lone surrogate (invalid Unicode)"
            stack.append((child, depth + 1, (*path, key)))
    return None


def _unwritable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _where(path: tuple[str | int, ...]) -> str:
    if not path:
        return "the top level"
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p!r}" for p in path[:8])
    return where.lstrip(".") + ("..." if len(path) > 8 else "")
