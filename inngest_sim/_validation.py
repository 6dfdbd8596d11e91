"""Checking what users pass in: one phrasing for every refusal.

Every check raises ``InvalidArgument`` saying what was given (``name=value``, with its
type when that is the problem), what was expected, and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from inngest_sim._errors import InvalidArgument

__all__ = [
    "check_bool",
    "check_datetime",
    "check_duration",
    "check_int",
    "check_json",
    "check_mapping",
    "check_number",
    "check_str",
    "given",
]


def given(name: str, value: Any) -> str:
    """``name=value (type T)``, shortened for long values."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{name}={text} ({type(value).__name__})"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_number(
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    exclusive_minimum: bool = False,
    fix: str = "",
) -> float:
    """A finite real number, at least (or above) ``minimum``."""
    if not _is_number(value) or not math.isfinite(value):
        raise InvalidArgument(f"{given(name, value)}: expected a finite number{_fix(fix)}")
    if minimum is not None and (value <= minimum if exclusive_minimum else value < minimum):
        bound = f"more than {minimum:g}" if exclusive_minimum else f"at least {minimum:g}"
        raise InvalidArgument(f"{given(name, value)}: expected a number {bound}{_fix(fix)}")
    return float(value)


def check_int(name: str, value: Any, *, minimum: int | None = None, fix: str = "") -> int:
    """A whole number (not a bool), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{given(name, value)}: expected a whole number{_fix(fix)}")
    if minimum is not None and value < minimum:
        raise InvalidArgument(
            f"{given(name, value)}: expected a whole number of at least {minimum}{_fix(fix)}"
        )
    return value


def check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{given(name, value)}: expected True or False")
    return value


def check_str(name: str, value: Any, *, fix: str = "") -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{given(name, value)}: expected a non-empty string{_fix(fix)}")
    return value


def check_duration(name: str, value: Any, *, allow_none: bool = False) -> float | None:
    """Seconds from a ``timedelta`` or a number: finite and not negative."""
    if value is None and allow_none:
        return None
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif _is_number(value):
        seconds = float(value)
    else:
        raise InvalidArgument(
            f"{given(name, value)}: expected a datetime.timedelta or a number of seconds, "
            "e.g. timedelta(minutes=5) or 300"
        )
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidArgument(
            f"{given(name, value)}: expected a finite duration of at least 0 (time can't go "
            "backwards)"
        )
    return seconds


def check_datetime(name: str, value: Any) -> float:
    """POSIX seconds from an aware ``datetime`` or a finite number."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise InvalidArgument(
                f"{given(name, value)}: a naive datetime; pass an aware one, "
                "e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)"
            )
        return value.timestamp()
    if _is_number(value) and math.isfinite(value):
        return float(value)
    raise InvalidArgument(
        f"{given(name, value)}: expected an aware datetime or POSIX seconds, "
        "e.g. datetime(2026, 1, 1, tzinfo=timezone.utc)"
    )


def check_mapping(name: str, value: Any, *, fix: str = "") -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArgument(f"{given(name, value)}: expected a dict{_fix(fix)}")
    return value


def check_json(name: str, value: Any) -> None:
    """Something the SDK can receive: JSON without NaN or infinities."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise InvalidArgument(
            f"{given(name, value)}: not JSON ({exc}); events and step data travel as JSON, "
            "so use dicts, lists, strings, finite numbers, booleans and None"
        ) from None


def _fix(fix: str) -> str:
    return f"; {fix}" if fix else ""
