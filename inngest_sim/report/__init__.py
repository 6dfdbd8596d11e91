"""The HTML timeline report: one self-contained page that draws a trace.

``render_html(trace)`` gives the page as text and ``write_html(trace, path)``
writes it; ``to_perfetto(trace)`` / ``write_perfetto(trace, path)`` give the same
runs in the Chrome trace-event format, for ui.perfetto.dev and chrome://tracing;
``main_report`` is what ``inngest-sim report TRACE.json -o FILE`` runs. The page
embeds a model of each run as JSON and draws it with inline JavaScript (no
network, no dependencies). See ``docs/report.md``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inngest_sim._limits import Limits
from inngest_sim.report._load import load_trace
from inngest_sim.report._model import build_model
from inngest_sim.report._page import render_page
from inngest_sim.report._perfetto import to_perfetto, write_perfetto
from inngest_sim.trace import RunQueued

if TYPE_CHECKING:
    from inngest_sim.trace import Trace

__all__ = [
    "load_trace",
    "main_report",
    "render_html",
    "to_perfetto",
    "write_html",
    "write_perfetto",
]

DEFAULT_TITLE = "inngest-sim report"
#: What ``main_report`` writes, by format, and its default file name.
FORMATS = {"html": "report.html", "perfetto": "report.perfetto.json"}


def _default_title(trace: Trace) -> str:
    functions = dict.fromkeys(r.function_id for r in trace.of(RunQueued))
    return f"{next(iter(functions))} · {DEFAULT_TITLE}" if len(functions) == 1 else DEFAULT_TITLE


def render_html(trace: Trace, *, title: str | None = None, limits: Limits | None = None) -> str:
    """The report of every run in ``trace`` as one self-contained HTML page.

    ``limits`` only sets the gauges' maxima (Inngest's limits by default): the
    trace does not record the limits a simulator ran with.
    """
    limits = limits or Limits()
    model = build_model(
        trace,
        title=title or _default_title(trace),
        max_steps=limits.max_steps,
        max_state_bytes=limits.max_state_bytes,
    )
    return render_page(model, model["title"])


def write_html(
    trace: Trace, path: str | Path, *, title: str | None = None, limits: Limits | None = None
) -> Path:
    """Write ``render_html`` to ``path`` (making its directory) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(trace, title=title, limits=limits), encoding="utf-8")
    return path


def _line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _fail(message: str) -> int:
    print(f"inngest-sim report: {message}", file=sys.stderr)
    return 2


def main_report(trace_path: str, output: str | None = None, *, format: str = "html") -> int:
    """``inngest-sim report TRACE.json [-o OUTPUT] [--format html|perfetto]``.

    Writes the HTML page (``report.html`` by default) or, with ``format="perfetto"``,
    the Chrome trace-event JSON (``report.perfetto.json``); 0 when written, else 2
    with one line.
    """
    if format not in FORMATS:
        return _fail(f"format={format!r}: choose one of {', '.join(FORMATS)}")
    output = output or FORMATS[format]
    try:
        trace = load_trace(trace_path)
    except OSError as exc:
        return _fail(f"cannot read {trace_path}: {exc.strerror or exc}")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        return _fail(f"{trace_path} is not a saved trace: {_line(exc)}")
    try:
        if format == "perfetto":
            text = json.dumps(to_perfetto(trace), separators=(",", ":"))
        else:
            text = render_html(trace)
    except Exception as exc:  # a trace whose records hold what no simulator writes
        return _fail(f"{trace_path} is not a trace this report can draw: {_line(exc)}")
    try:
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        return _fail(f"cannot write {output}: {exc.strerror or exc}")
    runs = len(trace.run_ids())
    size = path.stat().st_size
    print(f"wrote {path}: {runs} run{'s' * (runs != 1)}, {len(trace)} records, {size:,} bytes")
    return 0
