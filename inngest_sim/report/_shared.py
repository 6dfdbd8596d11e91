"""What the runs of one page share: error details stored once, and bounded data.

A page embeds data from the trace (event payloads, step outputs, run outputs, the
raw records) that can be of any size, so each piece is cut to a preview with its
full size shown, and the page keeps budgets: once the previews (or raw records) of
a page pass a total, later ones are cut shorter (or left out, with a count). Error
stacks repeat (every attempt an injected fault failed has the same one), so each
distinct stack and its frames are stored once and errors refer to them by index.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from inngest_sim.report._fields import error_summary, record_fields

if TYPE_CHECKING:
    from inngest_sim.trace import Record

__all__ = ["RAW_BUDGET", "VALUE_BUDGET", "VALUE_LIMIT", "Page", "json_text"]

#: A value's preview: the first 2 KiB of its JSON...
VALUE_LIMIT = 2048
#: ...until a page's previews reach this total; then a line of it.
VALUE_BUDGET = 256 * 1024
SHORT_VALUE_LIMIT = 160
#: The raw records a page embeds for its JSON view, in characters of JSON.
RAW_BUDGET = 300_000
#: A field of a raw record longer than this is cut (the saved trace has it whole).
RAW_FIELD_LIMIT = 600


def json_text(value: Any) -> str:
    """``value`` as compact JSON (``str()`` for what JSON cannot hold)."""
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


class Page:
    """Shared by the run models of one page (see the module docstring)."""

    def __init__(self) -> None:
        self.stacks: list[dict[str, Any]] = []
        self._stack_index: dict[str, int] = {}
        self._value_budget = VALUE_BUDGET
        self._raw_budget = RAW_BUDGET

    def error(self, error: Any) -> dict[str, Any] | None:
        """The error's name and message, with ``d``: the index of its stack and frames."""
        summary = error_summary(error)
        if summary is None:
            return None
        details = {"stack": summary.pop("stack"), "frames": summary.pop("frames")}
        if details["stack"] or details["frames"]:
            key = json_text(details)
            index = self._stack_index.setdefault(key, len(self.stacks))
            if index == len(self.stacks):
                self.stacks.append(details)
            summary["d"] = index
        return summary

    def value(self, value: Any, size: int | None = None) -> dict[str, Any]:
        """``{"text": preview, "size": bytes, "cut": bool}`` for a value of the trace.

        ``size`` is the size to show (a step's stored size); by default, that of its JSON.
        """
        text = json_text(value)
        limit = VALUE_LIMIT if self._value_budget > 0 else SHORT_VALUE_LIMIT
        preview = text if len(text) <= limit else text[: limit - 1] + "…"
        self._value_budget -= len(preview)
        shown = len(text.encode()) if size is None else size
        return {"text": preview, "size": shown, "cut": len(preview) < len(text)}

    def raw(self, records: list[Record], runs_left: int) -> tuple[list[dict[str, Any]], int]:
        """The records as JSON-ready dicts within this run's share of the budget.

        Returns the records kept (the first and the last ones when they do not all
        fit) and how many were left out in the middle.
        """
        share = self._raw_budget // max(1, runs_left)
        rows = [_raw_row(record) for record in records]
        sizes = [len(json_text(row)) for row in rows]
        if sum(sizes) <= share:
            self._raw_budget -= sum(sizes)
            return rows, 0
        head: list[dict[str, Any]] = []
        tail: list[dict[str, Any]] = []
        used = 0
        i, j = 0, len(rows) - 1
        while i <= j:
            size = sizes[i] if len(head) <= len(tail) else sizes[j]
            if used + size > share:
                break
            if len(head) <= len(tail):
                head.append(rows[i])
                i += 1
            else:
                tail.append(rows[j])
                j -= 1
            used += size
        self._raw_budget -= used
        return [*head, {"omitted": j - i + 1}, *reversed(tail)], j - i + 1


def _raw_row(record: Record) -> dict[str, Any]:
    row = {}
    for key, value in record_fields(record).items():
        text = json_text(value)
        row[key] = value if len(text) <= RAW_FIELD_LIMIT else text[: RAW_FIELD_LIMIT - 1] + "…"
    return row
