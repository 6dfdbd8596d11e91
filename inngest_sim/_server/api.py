"""The Inngest API the SDK calls: register, Event API, run state, realtime.

``InngestApi.handle`` is synchronous and thread-safe on purpose: the SDK calls it
from the event loop (async functions) and from worker threads (sync functions,
``send_sync``). It never awaits; work it causes is handed to its host (the simulator),
which runs it on its own loop. Every call is an ``ApiCalled`` record, every realtime
message a ``Published`` record.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

import httpx

from inngest_sim._ids import SeededEventIds
from inngest_sim._server.door import BadBody, read_json
from inngest_sim._server.events import check_events, check_inbound, strip_internal
from inngest_sim._server.sessions import SessionError, resolve_event_sessions
from inngest_sim.trace import ApiCalled, Published

if TYPE_CHECKING:
    from inngest_sim._limits import Limits
    from inngest_sim.trace._recorder import Recorder

__all__ = ["API_ENDPOINTS", "ApiFaultHook", "ApiHost", "InngestApi", "RegisterHook", "ServerBusy"]

#: The API's endpoints by the name fault rules use for them, with their path prefix.
API_ENDPOINTS = {
    "checkpoint": "/v1/checkpoint/",
    "events": "/e/",
    "publish": "/v1/realtime/publish",
    "register": "/fn/register",
    "run_state": "/v0/runs/",
    "signals": "/v1/signals",
    "metadata": "/metadata",
}


class ServerBusy(Exception):
    """Raised by a host that cannot take events now: the Event API answers 429."""

    def __init__(self, retry_after: int, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ApiHost(Protocol):
    """What the API hands work to: the simulator."""

    def receive_events(self, events: list[dict[str, Any]], source: str) -> list[str]:
        """Accept checked events from any thread; returns their ids at once, or raises
        ``ServerBusy`` having taken none of them."""
        ...

    def run_state(self, run_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """A run's events and memos, for SDKs that fetch state through the API; None
        when no such run is in flight (unknown, or ended: Go drops the state then)."""
        ...

    def checkpoint(self, run_id: str, body: Any) -> tuple[int, str | None]:
        """Save the steps a checkpointing SDK posts while its request is open (any
        thread; returns once they are saved): the HTTP status and, when not 200, why."""
        ...

    def signal(self, signal: str, data: Any) -> str | None:
        """Resume the run waiting for ``signal`` (any thread; returns once it is
        resumed): that run's id, or None when no run waits for it."""
        ...

    def metadata(self, run_id: str, body: Any) -> tuple[int, str | None]:
        """Metadata for a run or one of its steps (any thread): the HTTP status and,
        when not 200, the server's message."""
        ...


#: Gives the response an injected API fault asks for (or raises), or None.
ApiFaultHook = Callable[[httpx.Request, str], "httpx.Response | None"]
#: Checks and takes a registration; returns why it is refused (a 400), or None.
RegisterHook = Callable[[dict[str, Any]], "str | None"]


# Marks the answer to a route this API does not serve (read by ``handle``).
_UNSERVED = "inngest_sim_unserved"
_METADATA = re.compile(r"^/v1/runs/([^/]+)/metadata$")
# GET /v0/runs/{id}/batch and /actions (pkg/coreapi/coreapi.go); other /v0/runs paths are
# not served (Go: 405 for GET /v0/runs/{id}, 404 for another suffix).
_RUN_STATE = re.compile(r"^/v0/runs/([^/]+)/(batch|actions)$")
# Go serves checkpoints under both prefixes (the first was the private beta's).
_CHECKPOINT = re.compile(r"^/v1/(?:checkpoint|http/runs)/([^/]+)/async$")


def _json(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(status, json=payload)


def _parses_as_ulid(text: str) -> bool:
    """Whether Go's ``ulid.Parse`` (oklog/ulid v2, not strict) takes ``text``: 26
    bytes whose first is at most "7" (a larger one overflows 128 bits)."""
    raw = text.encode()
    return len(raw) == 26 and raw[0] <= ord("7")


def endpoint_of(path: str) -> str:
    """The endpoint name of a path (``events``, ``publish``...), or the path itself."""
    matches = (n for n, p in API_ENDPOINTS.items() if path.startswith(p) or path.endswith(p))
    return next(matches, path)


class InngestApi:
    """In-memory Inngest server API, served in-process or on a loopback port."""

    def __init__(
        self,
        limits: Limits,
        recorder: Recorder,
        host: ApiHost,
        *,
        faults: ApiFaultHook | None = None,
        on_register: RegisterHook | None = None,
        seed: int = 0,
    ) -> None:
        self._lock = threading.Lock()
        self._event_ids = SeededEventIds(seed)
        self.on_register = on_register
        self.limits = limits
        self.recorder = recorder
        self.host = host
        self.faults = faults
        # The latest accepted registration and its request: only the latest is read, and a
        # long-lived dev server whose apps sync again and again must not keep every one.
        self.registration: dict[str, Any] | None = None
        self.registration_request: httpx.Request | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        response = self._respond(request, path)
        self.recorder.record(
            ApiCalled,
            method=request.method,
            path=path,
            status=response.status_code,
            served=response.extensions.get(_UNSERVED) is None,
        )
        return response

    def _respond(self, request: httpx.Request, path: str) -> httpx.Response:
        if self.faults is not None:
            injected = self.faults(request, endpoint_of(path))
            if injected is not None:
                return injected
        if request.method == "POST" and path.endswith("/fn/register"):
            return self._register(request)
        if request.method == "POST" and path.startswith("/e/"):
            return self._events(request)
        run_state = _RUN_STATE.match(path)
        if request.method == "GET" and run_state:
            return self._run_state(run_state.group(1), run_state.group(2))
        if request.method == "POST" and path == "/v1/realtime/publish":
            return self._publish(request)
        if request.method == "POST" and path == "/v1/signals":
            return self._signal(request)
        metadata = _METADATA.match(path)
        if request.method == "POST" and metadata:
            return self._metadata(request, metadata.group(1))
        checkpoint = _CHECKPOINT.match(path)
        if request.method == "POST" and checkpoint:
            return self._checkpoint(request, checkpoint.group(1))
        unserved = _json(404, {"error": f"inngest-sim does not serve {request.method} {path}"})
        unserved.extensions[_UNSERVED] = True
        return unserved

    def _register(self, request: httpx.Request) -> httpx.Response:
        try:
            payload = read_json(request.content, "the registration", empty={})
        except BadBody as exc:
            return _json(400, {"error": str(exc), "status": 400})
        if not isinstance(payload, dict):
            return _json(400, {"error": "a registration is a JSON object with 'functions'"})
        problem = self.on_register(payload) if self.on_register is not None else None
        if problem is not None:
            return _json(400, {"error": problem, "status": 400})
        with self._lock:
            self.registration, self.registration_request = payload, request
        return _json(200, {"ok": True, "modified": True})

    def _events(self, request: httpx.Request) -> httpx.Response:
        try:
            # Out-of-range numbers kept: Go refuses the event they are in, not the send.
            payload = read_json(request.content, "the event payload", keep_out_of_range=True)
        except BadBody as exc:
            # Go answers a body it cannot read with one empty id, as for a first bad event.
            return _json(400, {"ids": [""], "error": str(exc), "status": 400})
        events = payload if isinstance(payload, list) else [payload]
        if len(events) > self.limits.max_events_per_send:
            return _json(
                400, {"ids": [], "error": check_events(events, self.limits), "status": 400}
            )
        # As Go's Event API: the events before the first bad one are taken, the rest not.
        accepted: list[dict[str, Any]] = []
        problem = None
        for position, event in enumerate(events):
            problem = check_inbound(event, position, self.limits)
            if problem:
                break
            try:  # NormalizeInbound: the two session layers merged, then checked
                accepted.append(resolve_event_sessions(strip_internal(event)))
            except SessionError as exc:
                problem = str(exc)
                break
        seed = request.headers.get("x-inngest-event-id-seed")
        if seed:
            # A retried send repeats its seed: its events get the same ids again.
            with self._lock:  # the loopback server calls in from its own thread
                for index, event in enumerate(accepted):
                    if not event.get("id"):
                        event["id"] = self._event_ids.id_for(seed, index) or ""
        try:
            ids = self.host.receive_events(accepted, "event-api") if accepted else []
        except ServerBusy as exc:
            return httpx.Response(
                429,
                json={"ids": [], "error": str(exc), "status": 429},
                headers={"retry-after": str(exc.retry_after)},
            )
        if problem:
            # api.go answers ids[0:max+1]: one empty id when no event was taken.
            return _json(400, {"ids": ids or [""], "error": problem, "status": 400})
        return _json(200, {"ids": ids, "status": 200})

    def _run_state(self, run_id: str, part: str) -> httpx.Response:
        """``GET /v0/runs/{id}/batch|actions``, answered as Go's core API answers
        (``GetEventBatch``/``GetActions`` in pkg/coreapi/coreapi.go, seen on ``inngest dev``)."""
        if not _parses_as_ulid(run_id):
            return _json(
                400, {"error": "The run ID specified is invalid", "data": None, "status": 400}
            )
        state = self.host.run_state(run_id)
        if state is None:
            # Go loads the run's state, which it deletes when the run ends: 410 for a run
            # that has ended (or never was), not 404, so an SDK sees what Go would say.
            message = f"runtime state is no longer available for runID: {run_id.upper()}"
            return _json(410, {"error": message, "data": None, "status": 410})
        events, memos = state
        return _json(200, events if part == "batch" else memos)

    def _checkpoint(self, request: httpx.Request, run_id: str) -> httpx.Response:
        status: int
        message: str | None
        try:
            body = read_json(request.content, "the checkpoint body")
        except BadBody as exc:
            status, message = 400, str(exc)
        else:
            status, message = self.host.checkpoint(run_id, body)
        if status == 200:
            return httpx.Response(200)  # Go answers an empty 200
        return _json(status, {"error": message, "data": {"run_id": run_id}, "status": status})

    def _signal(self, request: httpx.Request) -> httpx.Response:
        """``POST /v1/signals``, answered as ``apiv1/signals.go`` answers."""
        try:
            body = read_json(request.content, "the signal")
        except BadBody:
            body = None
        if not isinstance(body, dict):
            return _json(400, {"error": "Invalid signal data", "data": None, "status": 400})
        signal = body.get("signal")
        if signal is not None and not isinstance(signal, str):
            # Go's decoder cannot read it into the string field: unreadable, as any bad body.
            return _json(400, {"error": "Invalid signal data", "data": None, "status": 400})
        if not signal:
            # Missing, null or "": Go's ResumeSignal refuses it ("signal ID is empty"), which
            # the API answers with a 500 (seen on inngest dev @253303cd).
            return _json(500, {"error": "Failed to receive signal", "data": None, "status": 500})
        run_id = self.host.signal(signal, body.get("data"))
        if run_id is None:
            return _json(404, {"error": "No signal found", "data": None, "status": 404})
        fetched = dt.datetime.fromtimestamp(self.recorder.clock.now(), dt.UTC)
        fetched_at = fetched.isoformat().replace("+00:00", "Z")
        return _json(200, {"data": {"run_id": run_id}, "metadata": {"fetched_at": fetched_at}})

    def _metadata(self, request: httpx.Request, run_id: str) -> httpx.Response:
        """``POST /v1/runs/{id}/metadata``, answered as ``apiv1/metadata.go`` answers."""
        try:
            body = read_json(request.content, "the metadata")
        except BadBody:
            body = None  # refused below as the server refuses it
        status, message = self.host.metadata(run_id, body)
        if status == 200:
            return httpx.Response(200)  # Go writes no body
        return _json(status, {"error": message, "data": None, "status": status})

    def _publish(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode("ascii"))
        channel = query.get("channel", [""])[0]
        topic = query.get("topic", [""])[0]
        try:
            data = read_json(request.content, "the realtime message")
        except BadBody as exc:
            return _json(400, {"error": str(exc), "status": 400})
        self.recorder.record(Published, channel=channel, topic=topic, data=data)
        return _json(200, {"ok": True})

    def asgi(self) -> Callable[..., Any]:
        """This API as an ASGI app, for a loopback server."""

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            chunks = []
            while True:
                message = await receive()
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    break
            # The path as it was sent (still percent-encoded): a decoded one can hold
            # characters no URL may (``/e/%00``).
            path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
            query = scope.get("query_string", b"")
            url = "http://sim" + (path + (b"?" + query if query else b"")).decode("latin-1")
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            try:
                request = httpx.Request(
                    scope["method"], url, headers=headers, content=b"".join(chunks)
                )
            except httpx.InvalidURL as exc:
                response = _json(400, {"error": f"the request's URL cannot be read: {exc}"})
            else:
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
