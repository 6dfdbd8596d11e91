"""A stub of the Inngest API that the TypeScript SDK calls, logging every call it gets.

It answers as the Go server does (`pkg/devserver/api.go`, `pkg/api/api.go`,
`pkg/api/apiv1/checkpoint.go`): registration, the Event API and async checkpoints. Anything else
gets a 404 and is logged, so a capture shows every endpoint the SDK tried. It serves on its own
threads because the SDK *awaits* each checkpoint while the executor's request is still open.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.dev._capture_record import Message, Recorder, parse_body

_NAMESPACE = uuid.UUID("5f3c9e1e-2b4f-4d7a-9a53-7d1f0c6b2a10")

# What a checkpoint POST gets; a scenario may swap in an error to see what the SDK does with it.
CheckpointAnswer = tuple[int, Any]
CHECKPOINT_OK: CheckpointAnswer = (200, None)


def det_uuid(name: str) -> str:
    """A stable UUID for a name: ids in fixtures must not change between captures."""
    return str(uuid.uuid5(_NAMESPACE, name))


@dataclass
class FakeApi:
    """The API side: `url` is what the app gets as INNGEST_BASE_URL."""

    recorder: Recorder
    # Called with (run_id, body) for each checkpoint, before it is answered.
    on_checkpoint: Callable[[str, dict[str, Any]], None] = lambda run_id, body: None
    checkpoint_answer: CheckpointAnswer = CHECKPOINT_OK
    # (events, steps) of a run, for the run-state API an SDK reads when `ctx.use_api` is set.
    run_state: Callable[[str], tuple[list[Any], dict[str, Any]] | None] = lambda run_id: None
    # The first N Event API calls fail with this status (0 = none), to see the SDK's retries.
    event_failures: int = 0
    event_failure_status: int = 500
    registrations: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """Route one call; returns (status, JSON body or None for an empty body)."""
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/fn/register":
            self.registrations.append(body)
            app = body.get("appName", "") if isinstance(body, dict) else ""
            return 200, {
                "ok": True,
                "modified": True,
                "app_id": det_uuid(f"app:{app}"),
                "sync_id": det_uuid(f"sync:{len(self.registrations)}"),
            }
        if method == "POST" and len(parts) == 2 and parts[0] == "e":
            return self._event(body)
        if method == "POST" and parts[:2] == ["v1", "checkpoint"] and parts[3:] == ["async"]:
            self.on_checkpoint(parts[2], body)
            return self.checkpoint_answer
        if method == "GET" and parts[:2] == ["v0", "runs"] and len(parts) == 4:
            return self._run_state(parts[2], parts[3])
        return 404, {"error": f"{method} {path} is not served by the capture stub", "status": 404}

    def _run_state(self, run_id: str, what: str) -> tuple[int, Any]:
        """`GET /v0/runs/{id}/batch` (the events) and `/actions` (the steps), as Go's core API."""
        state = self.run_state(run_id)
        if state is None or what not in ("batch", "actions"):
            return 404, {"error": f"no run {run_id}", "status": 404}
        events, steps = state
        return 200, events if what == "batch" else steps

    def _event(self, body: Any) -> tuple[int, Any]:
        if self.event_failures > 0:
            self.event_failures -= 1
            status = self.event_failure_status
            return status, {"ids": [], "status": status, "error": "injected failure"}
        batch = body if isinstance(body, list) else [body]
        ids = []
        for evt in batch:
            self.events.append(evt)
            ids.append(f"01JEVENT{len(self.events):018d}")
        return 200, {"ids": ids, "status": 200}


def _handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            seq = api.recorder.begin()
            split = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            request = Message(
                method=self.command,
                path=split.path,
                query=dict(parse_qsl(split.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=parse_body(raw),
            )
            status, reply = api.answer(self.command, split.path, request.body)
            payload = b"" if reply is None else json.dumps(reply).encode()
            # Every Go API response carries the server kind (`headers.StaticHeadersMiddleware`).
            headers = {"x-inngest-server-kind": "dev"}
            if payload:
                headers["content-type"] = "application/json"
            # Logged before the answer goes out: once the SDK has it, the log has the call.
            response = Message(status=status, headers=headers, body=parse_body(payload))
            api.recorder.record(seq, "sdk->api", request, response)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recorder is the log

    return Handler
