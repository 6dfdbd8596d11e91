"""JSON bodies read at the door: what a later read, or the Go server, could not serve is refused.

Python's ``json`` takes more than JSON: ``NaN`` and ``Infinity``, ``1e999`` (read as
infinity), lone surrogates (``"\\ud800"``, which no UTF-8 writer can write back), and it
raises other errors than ``JSONDecodeError`` for bytes that are not UTF-8, integers of
more than 4,300 digits and deep nesting. Any of them taken into an event poisons every
later read of it (``GET /v1/events`` answering 500 for everyone). ``read_json`` refuses
each with a ``BadBody`` naming what is wrong and where, so a route answers 400.

The bounds follow the Go server, which decodes JSON numbers into 64-bit floats and strings
as UTF-8; the nesting bound is far below what Python's recursive JSON writer needs to write
the value back. A number a 64-bit float cannot hold (``1e400``, a 400-digit integer: Go's
``strconv.ParseFloat`` answers "value out of range") is one check, ``out_of_range``, that
every door an event comes through asks (the Event API and so ``step.send_event``, ``sim.send``,
REST v2, ``step.invoke``'s data; and a step's output); any other body (a registration, a
GraphQL query) refuses it as it is read. Where Go reads each event of a send on its own, the
Event API keeps such a number as ``OutOfRange`` (``keep_out_of_range``) so the events before
it are still taken, as Go takes them. ``as_float64`` gives an event's numbers as the server
gives them back to a function.
"""

from __future__ import annotations

import decimal
import json
import math
from typing import Any

__all__ = ["MAX_DEPTH", "BadBody", "OutOfRange", "as_float64", "out_of_range", "read_json"]

#: Arrays and objects may nest this deep; deeper is refused.
MAX_DEPTH = 128


class BadBody(ValueError):
    """A request body the server refuses, with the reason (the 400's message)."""


class _Refused(ValueError):
    pass


def _constant(name: str) -> Any:
    raise _Refused(
        f"{name} is not a JSON number (JSON has no NaN or Infinity); send a finite number"
    )


class OutOfRange(str):
    """A JSON number a 64-bit float cannot hold, kept as its text (``keep_out_of_range``)
    for the check of the event it is in; never taken into an event."""

    __slots__ = ()


def _beyond_float(text: str) -> bool:
    # float() rounds as Go's ParseFloat does: 1.7976931348623157e308 fits, ...59e308 and
    # 10**309 do not (both seen refused by the Go server; 10**308 and 2**64 taken).
    return not math.isfinite(float(text))


def _refuse(text: str) -> Any:
    raise _Refused(
        f"the number {_shown(text)} is beyond a 64-bit float; a JSON number must fit one, as "
        "the Inngest server reads it: send a larger number as a string"
    )


def _shown(text: str) -> str:
    """``text``, shortened when long (Go echoes the whole literal; 5,000 digits help no one)."""
    if len(text) <= 40:
        return text
    digits = sum(c.isdigit() for c in text)
    return f"{text[:20]}... ({digits} digits)"


def _reader(keep: bool) -> tuple[Any, Any]:
    def number(text: str, convert: Any) -> Any:
        if _beyond_float(text):
            return OutOfRange(text) if keep else _refuse(text)
        return convert(text)

    return (lambda text: number(text, float)), (lambda text: number(text, int))


def out_of_range(value: Any) -> str | None:
    """The text (shortened) of the first number in ``value`` that a 64-bit float cannot hold (an
    ``OutOfRange`` read at the door, a Python int past 1.8e308, a NaN or infinity), or None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, OutOfRange):
            return _shown(str(item))
        if isinstance(item, bool) or item is None or isinstance(item, str):
            continue
        if isinstance(item, int):
            try:
                float(item)
            except OverflowError:
                return _shown(_int_text(item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                return repr(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return None


_EXACT = 2**53  # every int below it in magnitude is a float64 exactly


def as_float64(value: Any) -> Any:
    """``value`` with each number as the Go server gives it back: read as a float64 and
    written in JCS's form (driver.go canonicalises every request), which the SDK reads again.
    Seen: ``2**64`` arrived as ``18446744073709552000``, ``10**308`` as ``1e+308`` (a float),
    ``1e-400`` as ``0``; so ``1.0`` is ``1`` and ``2**53 + 1`` is ``2**53``. ``value`` itself
    when nothing in it changes; a number past a float64 is left (the doors refuse it)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if -_EXACT < value < _EXACT:
            return value
        try:
            return _jcs(float(value))
        except OverflowError:
            return value
    if isinstance(value, float):
        return _jcs(value) if value.is_integer() else value
    if isinstance(value, dict):
        items = {k: as_float64(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if isinstance(value, list):
        converted = [as_float64(v) for v in value]
        same = all(a is b for a, b in zip(converted, value, strict=True))
        return value if same else converted
    return value


def _jcs(number: float) -> int | float:
    """A whole float64 as JCS writes it and JSON reads it back: digits (an int) below 1e21,
    the shortest round-trip digits (``18446744073709552000``); a float from 1e21 on."""
    if not math.isfinite(number) or abs(number) >= 1e21:
        return number
    return int(decimal.Decimal(repr(number)))


def _int_text(value: int) -> str:
    try:
        return str(value)
    except ValueError:  # past Python's 4,300-digit str() bound
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}<an integer of about {digits} digits>"


def read_json(body: bytes, what: str, *, empty: Any = None, keep_out_of_range: bool = False) -> Any:
    """``body`` read as JSON (``empty`` when there is none); ``BadBody`` when refused.

    ``what`` names the body in messages (``"the event payload"``). A number beyond a 64-bit
    float is refused, or with ``keep_out_of_range`` kept as an ``OutOfRange`` for the caller
    to refuse the one part it is in (``out_of_range`` finds it).
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
        parse_float, parse_int = _reader(keep_out_of_range)
        value = json.loads(
            text, parse_constant=_constant, parse_float=parse_float, parse_int=parse_int
        )
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
