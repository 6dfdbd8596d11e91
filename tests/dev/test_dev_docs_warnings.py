"""The ignore dev-server.md gives for ``filterwarnings = error`` is needed, and enough.

The SDK never closes the ``httpx.Client`` behind ``client.send_sync``; once the client is
collected its socket to the dev server warns ``ResourceWarning: unclosed <socket...>``
from ``__del__``, where an ``error`` filter turns it into an unraisable exception (pytest
reports those as ``PytestUnraisableExceptionWarning`` in whatever test is running).
"""

from __future__ import annotations

import builtins
import gc
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim.dev import dev_server

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _documented_ignore() -> tuple[str, type[Warning]]:
    text = (DOCS / "dev-server.md").read_text(encoding="utf-8")
    (line,) = re.findall(r"^    '(ignore:unclosed [^']+)',$", text, re.M)
    _action, message, category = line.split(":")
    found = getattr(builtins, category)
    assert issubclass(found, Warning)
    return message, found


def _unraisable_after_send_sync(monkeypatch: pytest.MonkeyPatch, *, ignore: bool) -> list[str]:
    seen: list[str] = []

    def hook(unraisable: Any) -> None:
        seen.append(repr(unraisable.exc_value))

    with dev_server(port=0) as _dev, warnings.catch_warnings():  # any free port, not 8288
        warnings.simplefilter("error")
        if ignore:
            message, category = _documented_ignore()
            warnings.filterwarnings("ignore", re.escape(message), category)
        client = inngest.Inngest(app_id="dev-docs-warnings", is_production=False)
        client.send_sync(inngest.Event(name="docs/warned"))
        monkeypatch.setattr(sys, "unraisablehook", hook)
        del client
        gc.collect()
    return seen


def test_send_sync_leaves_a_socket_that_the_documented_ignore_silences(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unraised = _unraisable_after_send_sync(monkeypatch, ignore=False)
    assert len(unraised) == 1
    assert 'ResourceWarning("unclosed <socket.socket' in unraised[0]
    assert _unraisable_after_send_sync(monkeypatch, ignore=True) == []
