"""Reading a saved trace for the report, tolerant of newer traces.

A report should still draw a trace written by a newer simulator, so records of kinds
(or with fields) this version does not know load as ``GenericRecord`` and are drawn
as generic markers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.trace import Trace

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["load_trace"]


def load_trace(path: str | Path) -> Trace:
    """``Trace.load``, falling back to the lenient loader for newer traces."""
    try:
        return Trace.load(path)
    except (ValueError, TypeError):
        return Trace.load(path, lenient=True)
