"""Which cron schedules the Inngest server accepts, as its parser decides.

``pkg/inngest/trigger.go`` CronTrigger.Validate parses with robfig/cron v3's
``NewParser(Minute | Hour | Dom | Month | Dow)``: exactly five fields, an optional
``TZ=`` / ``CRON_TZ=`` prefix, no ``@`` descriptors and no seconds field; each field is
``*``, ``?``, a number or a name, a range ``a-b``, a step ``/n`` or a list of these, within
the field's bounds (day of week 0-6). This module gives robfig's own error, or None.
"""

from __future__ import annotations

import re

__all__ = ["robfig_problem"]

_INT = re.compile(r"[+-]?[0-9]+")

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (low, high, names) per field: robfig parser.go's bounds.
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {name: n for n, name in enumerate(_MONTHS, start=1)}),
    (0, 6, {name: n for n, name in enumerate(_DAYS)}),
)


class _Refused(ValueError):
    pass


def robfig_problem(fields: str) -> str | None:
    """robfig's error for a schedule without its ``TZ=`` prefix, or None when it parses."""
    if fields.startswith("@"):
        return f"parser does not accept descriptors: {fields}"
    parts = fields.split()
    if len(parts) != len(_BOUNDS):
        return f"expected exactly 5 fields, found {len(parts)}: [{' '.join(parts)}]"
    try:
        for part, bounds in zip(parts, _BOUNDS, strict=True):
            for expression in filter(None, part.split(",")):
                _check_range(expression, *bounds)
    except _Refused as exc:
        return str(exc)
    return None


def _check_range(expression: str, low: int, high: int, names: dict[str, int]) -> None:
    range_and_step = expression.split("/")
    low_and_high = range_and_step[0].split("-")
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start = _number(low_and_high[0], names)
        if len(low_and_high) > 2:
            raise _Refused(f"too many hyphens: {expression}")
        end = _number(low_and_high[1], names) if len(low_and_high) == 2 else start
    step = 1
    if len(range_and_step) > 2:
        raise _Refused(f"too many slashes: {expression}")
    if len(range_and_step) == 2:
        step = _number(range_and_step[1], {})
        if len(low_and_high) == 1:
            end = high
    if start < low:
        raise _Refused(f"beginning of range ({start}) below minimum ({low}): {expression}")
    if end > high:
        raise _Refused(f"end of range ({end}) above maximum ({high}): {expression}")
    if start > end:
        raise _Refused(f"beginning of range ({start}) beyond end of range ({end}): {expression}")
    if step == 0:
        raise _Refused(f"step of range should be a positive number: {expression}")


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not _INT.fullmatch(text):  # Go's strconv.Atoi: ASCII digits, an optional sign
        raise _Refused(
            f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'
        )
    value = int(text)
    if value < 0:
        raise _Refused(f"negative number ({value}) not allowed: {text}")
    return value
