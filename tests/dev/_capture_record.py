"""The capture harness's log: every HTTP exchange, in the order it began, made deterministic.

Both sides write here: the executor (its requests to the app) and the fake API (the app's
requests to it). Entries are numbered when a request *starts*, so a checkpoint the SDK posts
while an execution request is in flight sorts after that request and before its answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

# Values that change from one run to the next; fixtures keep the key and replace the value.
VARYING = "<varies>"
_VARYING_BODY_KEYS = frozenset({"timing", "ts", "request_started_at"})
_VARYING_HEADERS = frozenset({"server-timing", "x-inngest-event-id-seed", "traceparent"})
# Transport details that say nothing about the protocol (and vary with body length).
_DROPPED_HEADERS = frozenset(
    {"date", "connection", "keep-alive", "content-length", "transfer-encoding", "host"}
)


@dataclass
class Message:
    """One side of an exchange: a request (method, path, query) or a response (status)."""

    headers: dict[str, str]
    body: Any
    method: str | None = None
    path: str | None = None
    query: dict[str, str] | None = None
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.method is not None:
            out["method"] = self.method
            out["path"] = self.path
            if self.query:
                out["query"] = self.query
        if self.status is not None:
            out["status"] = self.status
        out["headers"] = dict(sorted(self.headers.items()))
        out["body"] = self.body
        return out


def _order_concurrent_reads(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sort each run of back-to-back SDK GETs by path.

    The SDK fetches a run's `/batch` and `/actions` at the same time, so their start order is
    a race; sorted, a capture is the same every time.
    """
    out: list[dict[str, Any]] = []
    group: list[dict[str, Any]] = []
    for entry in [*entries, None]:
        if (
            entry is not None
            and entry["kind"] == "sdk->api"
            and entry["request"]["method"] == "GET"
        ):
            group.append(entry)
            continue
        out += sorted(group, key=lambda e: str(e["request"]["path"]))
        group = []
        if entry is not None:
            out.append(entry)
    return out


def parse_body(raw: bytes) -> Any:
    """JSON when it parses, the text otherwise, None when empty: bodies as a reader wants them."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass
class Recorder:
    """Thread-safe, ordered log of exchanges, with the normalisation that makes fixtures stable."""

    app_dir: str
    # Text to swap wherever it appears (the loopback ports, which change on every capture).
    replacements: dict[str, str] = field(default_factory=dict)
    entries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    _open: int = 0

    def begin(self) -> int:
        with self._lock:
            self._next += 1
            self._open += 1
            return self._next

    def record(
        self, seq: int, kind: str, request: Message, response: Message, **extra: Any
    ) -> None:
        # Only what the SDK wrote varies (the harness's own messages are deterministic): the
        # response to an execution request, the request of an API call.
        sdk_wrote_request = kind == "sdk->api"
        entry = {
            "seq": seq,
            "kind": kind,
            **extra,
            "request": self._clean(request.to_json(), varying=sdk_wrote_request),
            "response": self._clean(response.to_json(), varying=not sdk_wrote_request),
        }
        with self._lock:
            self.entries.append(entry)
            self._open -= 1

    def take(self, settle_s: float = 5.0) -> list[dict[str, Any]]:
        """The entries so far, in start order and renumbered from 1; the log is emptied.

        Waits (up to `settle_s`) for exchanges still open, such as an API call the SDK made
        just before it answered.
        """
        deadline = time.monotonic() + settle_s
        while self._open and time.monotonic() < deadline:
            time.sleep(0.01)
        with self._lock:
            entries, self.entries = sorted(self.entries, key=lambda e: e["seq"]), []
        entries = _order_concurrent_reads(entries)
        for n, entry in enumerate(entries, 1):
            entry["seq"] = n
        return entries

    def scrub(self, value: Any) -> Any:
        """Only the path and port swaps, for the harness's own summaries of what it saw."""
        return self._clean_value(value, varying=False)

    def _clean(self, message: dict[str, Any], *, varying: bool) -> dict[str, Any]:
        message["headers"] = {
            k: (VARYING if varying and k in _VARYING_HEADERS else v)
            for k, v in message["headers"].items()
            if k not in _DROPPED_HEADERS
        }
        message["body"] = self._clean_value(message["body"], varying)
        return message

    def _clean_value(self, value: Any, varying: bool) -> Any:
        if isinstance(value, dict):
            return {
                k: (
                    VARYING
                    if varying and k in _VARYING_BODY_KEYS
                    else self._clean_value(v, varying)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._clean_value(v, varying) for v in value]
        if isinstance(value, str):
            return self.clean_text(value)
        return value

    def clean_text(self, text: str) -> str:
        # Stack traces name the checkout's absolute path; keep them readable but portable.
        text = re.sub(r"(file://)?" + re.escape(self.app_dir), "<app>", text)
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        return text
