"""The Inngest API the SDK calls: register, Event API, run state, realtime.

``InngestApi.handle`` is synchronous and thread-safe on purpose: the SDK calls it
from the event loop (async functions) and from worker threads (sync functions,
``send_sync``). It never awaits; work it causes is handed to the executor's loop.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx

from inngest_sim._protocol import json_size

__all__ = ["InngestApi"]

EventSink = Callable[[list[dict[str, Any]], str], list[str]]
RunStateSource = Callable[[str], tuple[list[dict[str, Any]], dict[str, Any]] | None]


def _json(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(status, json=payload)


class InngestApi:
    """In-memory Inngest server API, served in-process or on a loopback port."""

    def __init__(self, *, max_event_bytes: int, max_events_per_send: int) -> None:
        self._lock = threading.Lock()
        self.registrations: list[dict[str, Any]] = []
        self.published: list[dict[str, Any]] = []
        self.max_event_bytes = max_event_bytes
        self.max_events_per_send = max_events_per_send
        self.event_sink: EventSink | None = None
        self.run_state: RunStateSource | None = None
        self.on_publish: Callable[[str, str, Any], None] | None = None
        self.requests: list[tuple[str, str]] = []
        # Returns a response to send instead (or raises) when a fault applies.
        self.fault_hook: Callable[[str], httpx.Response | None] | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        with self._lock:
            self.requests.append((request.method, path))
        if self.fault_hook is not None:
            injected = self.fault_hook(path)
            if injected is not None:
                return injected
        if request.method == "POST" and path.endswith("/fn/register"):
            return self._register(request)
        if request.method == "POST" and path.startswith("/e/"):
            return self._events(request)
        if request.method == "GET" and path.startswith("/v0/runs/"):
            return self._run_state(path)
        if request.method == "POST" and path == "/v1/realtime/publish":
            return self._publish(request)
        return _json(
            404,
            {"error": f"inngest-sim does not serve {request.method} {path}"},
        )

    def _register(self, request: httpx.Request) -> httpx.Response:
        payload = json.loads(request.content or b"{}")
        with self._lock:
            self.registrations.append(payload)
        return _json(200, {"ok": True, "modified": True})

    def _events(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = json.loads(request.content or b"null")
        except json.JSONDecodeError as exc:
            return _json(400, {"error": f"body is not JSON: {exc}", "status": 400})
        events = payload if isinstance(payload, list) else [payload]
        problem = self.check_events(events)
        if problem:
            return _json(400, {"error": problem, "status": 400})
        sink = self.event_sink
        ids = sink(events, "event-api") if sink else []
        return _json(200, {"ids": ids, "status": 200})

    def check_events(self, events: list[Any]) -> str | None:
        """Inngest's ingest checks; returns the error it would give, or None."""
        if len(events) > self.max_events_per_send:
            return f"Cannot have more than {self.max_events_per_send} events in a batch"
        for position, event in enumerate(events):
            if not isinstance(event, dict):
                return f"event #{position} is {type(event).__name__}, expected an object"
            name = event.get("name")
            if not isinstance(name, str) or not name:
                return f"event #{position} has no name; every event needs a 'name' string"
            size = json_size(event)
            if size > self.max_event_bytes:
                return (
                    f"Event is over the max size: Max {self.max_event_bytes} bytes / "
                    f"Size {size} bytes (event {name!r})"
                )
            data = event.get("data")
            if data is not None and not isinstance(data, dict):
                return f"event {name!r}: data must be an object, got {type(data).__name__}"
        return None

    def _run_state(self, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")  # v0 runs <id> batch|actions
        source = self.run_state
        state = source(parts[2]) if source and len(parts) == 4 else None
        if state is None:
            return _json(404, {"error": f"no run for {path}"})
        events, memos = state
        return _json(200, events if parts[3] == "batch" else memos)

    def _publish(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode("ascii"))
        channel = query.get("channel", [""])[0]
        topic = query.get("topic", [""])[0]
        data = json.loads(request.content or b"null")
        message = {"channel": channel, "topic": topic, "data": data}
        with self._lock:
            self.published.append(message)
        if self.on_publish is not None:
            self.on_publish(channel, topic, data)
        return _json(200, {"ok": True})

    def asgi(self) -> Callable[..., Any]:
        """This API as an ASGI app, for a loopback server."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            query = scope.get("query_string", b"").decode("latin-1")
            url = f"http://sim{scope['path']}" + (f"?{query}" if query else "")
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            request = httpx.Request(scope["method"], url, headers=headers, content=body)
            response = self.handle(request)
            raw_headers = [(k.encode(), v.encode()) for k, v in response.headers.items()]
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": raw_headers,
                }
            )
            await send({"type": "http.response.body", "body": response.content})

        return app
