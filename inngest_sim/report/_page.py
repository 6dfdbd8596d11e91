"""Assembling one self-contained page: template, inline CSS and JS, embedded JSON.

The script is the files of ``js/``, one per part of the page (helpers, a run's view,
its overview, navigation, timeline and cards, the tooltip, the page), joined in the
order of ``SCRIPTS`` inside one strict-mode function, so they share one scope as a
single file would, and the page still carries no module loader and makes no request.

The model goes into ``<script type="application/json">``. JSON only has ``<``,
``>`` and ``&`` inside strings, so escaping them as ``\\u003c``-style sequences
keeps hostile step ids (``</script>``) from ending the element while
``JSON.parse`` still reads the exact text back.
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from importlib import resources
from typing import Any

__all__ = ["ASSETS", "SCRIPTS", "embed_json", "render_page"]

#: The script's files, in the order they run: each uses what those before it define.
SCRIPTS = (
    "errors.js",
    "helpers.js",
    "run_view.js",
    "overview.js",
    "navigation.js",
    "timeline.js",
    "cards.js",
    "ui.js",
    "page.js",
)
ASSETS = ("template.html", "report.css", *(f"js/{name}" for name in SCRIPTS))
_SLOT = re.compile(r"@@(\w+)@@")
_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@functools.cache
def _asset(name: str) -> str:
    return resources.files("inngest_sim.report").joinpath(name).read_text(encoding="utf-8")


@functools.cache
def _script() -> str:
    parts = "\n".join(_asset(f"js/{name}") for name in SCRIPTS)
    return f'(() => {{\n  "use strict";\n{parts}}})();\n'


def _finite(value: Any) -> Any:
    # JSON.parse rejects NaN and Infinity, which Python's json would write.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def embed_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (ValueError, TypeError):
        text = json.dumps(
            _finite(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str
        )
    return re.sub("[<>&\u2028\u2029]", lambda m: _ESCAPES[m.group(0)], text)


def render_page(model: dict[str, Any], title: str) -> str:
    slots = {
        "title": html.escape(title),
        "css": _asset("report.css"),
        "js": _script(),
        "data": embed_json(model),
    }
    # One pass over the template, so text put into a slot is never scanned again.
    return _SLOT.sub(lambda m: slots[m.group(1)], _asset("template.html"))
