"""The one seam to the SDK: an ``httpx.AsyncClient`` and a serve URL.

In-process the client talks to an ASGI app through ``httpx.ASGITransport``;
against a running server it talks HTTP. The executor cannot tell the difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import inspect
import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from inngest_sim._bounded import (
    CURRENT,
    DEFAULT_MAX_BYTES,
    bounded_asgi,
    read_iterable,
    send_limited,
)
from inngest_sim._protocol import ResponseTooLarge

if TYPE_CHECKING:
    from collections.abc import Sequence

    from inngest_sim._protocol import ExecutionCall


__all__ = [
    "Endpoint",
    "ExecutionRequest",
    "build_asgi_app",
    "execution_request",
    "server_kind",
    "transport_for_app",
]

IN_PROCESS_ORIGIN = "http://inngest-sim.invalid"
DEFAULT_SERVE_PATH = "/api/inngest"


def build_asgi_app(client: Any, functions: Sequence[Any], serve_path: str) -> Any:
    """Serve ``functions`` with the SDK's own FastAPI adapter."""
    import fastapi
    import inngest.fast_api

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, list(functions), serve_path=serve_path)
    return app


def _is_asgi(app: Any) -> bool:
    call = getattr(app, "__call__", None)  # noqa: B004 - an app object, not a plain function
    return inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(call)


class _WSGIInThread(httpx.AsyncBaseTransport):
    """Serves a WSGI app (Flask, Django) to an async client, off the event loop.

    The sync adapters run the function in the calling thread; running them in a
    worker thread keeps the simulator's loop free to answer the SDK's own calls. The
    thread is a daemon: a hung app must not keep the test process from exiting.
    """

    def __init__(self, app: Any) -> None:
        self._wsgi = httpx.WSGITransport(app=app, raise_app_exceptions=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_request = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )
        budget = CURRENT.get()  # read here: the worker thread does not share this context

        def call() -> httpx.Response:
            response = self._wsgi.handle_request(sync_request)
            content = read_iterable(response.iter_bytes(), budget)
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        loop = asyncio.get_running_loop()
        future: asyncio.Future[httpx.Response] = loop.create_future()

        def settle(result: httpx.Response | None, error: BaseException | None) -> None:
            if future.done():
                return  # the executor stopped waiting (a timeout)
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            try:
                result = call()
            except BaseException as exc:  # handed to the loop, raised there
                _post(loop, settle, None, exc)
            else:
                _post(loop, settle, result, None)

        threading.Thread(target=work, name="inngest-sim-wsgi", daemon=True).start()
        return await future


def _post(loop: asyncio.AbstractEventLoop, settle: Any, *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed while the app ran
        loop.call_soon_threadsafe(settle, *args)


class _AppTransport(httpx.AsyncBaseTransport):
    """An in-process app behind what a web server would answer when the app misbehaves.

    An app that raises, or returns without a complete response, reaches the executor as
    the HTTP 500 a server (uvicorn, gunicorn) would send in its place.
    """

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await self.inner.handle_async_request(request)
            content = await response.aread()
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit, ResponseTooLarge):
            raise
        except BaseException as exc:
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if isinstance(exc, AssertionError) and not str(exc):
                problem = "the app returned without sending a complete response"
            return httpx.Response(500, text=f"Internal Server Error ({problem})", request=request)
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, request=request
        )


def transport_for_app(app: Any) -> httpx.AsyncBaseTransport:
    """An in-process transport for an ASGI or a WSGI app."""
    inner: httpx.AsyncBaseTransport = (
        httpx.ASGITransport(app=bounded_asgi(app), raise_app_exceptions=False)
        if _is_asgi(app)
        else _WSGIInThread(app)
    )
    return _AppTransport(inner)


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """The bytes, headers and query of one execution request, as the Go executor sends them."""

    raw: bytes
    headers: dict[str, str]
    query: str
    # The query's parameters, as a framework parses them back (pairs: this is shared).
    params: tuple[tuple[str, str], ...]


def execution_request(call: ExecutionCall, signing_key: str | None) -> ExecutionRequest:
    """One place builds every endpoint's request, so they all send the same thing."""
    raw = json.dumps(call.body, separators=(",", ":")).encode("utf-8")
    headers = {
        "content-type": "application/json",
        "x-inngest-server-kind": server_kind(signing_key),
        "x-run-id": call.run_id,
        "x-request-id": call.request_id,
        "x-inngest-job-id": call.request_id,
        "x-inngest-req-version": "2",
        "x-inngest-step-id": call.step_id,
        **_signature(raw, signing_key),
    }
    query, params = _query(call.fn_id, call.step_id)
    return ExecutionRequest(raw, headers, query, params)


@functools.lru_cache(maxsize=4096)
def _query(fn_id: str, step_id: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    # A run asks for the same few (function, step) pairs again and again.
    params = (("fnId", fn_id), ("stepId", step_id))
    return urlencode(params), params


def server_kind(signing_key: str | None) -> str:
    return "cloud" if signing_key else "dev"


def _signature(body: bytes, signing_key: str | None) -> dict[str, str]:
    if not signing_key:
        return {}
    from inngest._internal import net

    signature = net.sign_request(body, signing_key)
    if isinstance(signature, Exception):
        raise signature
    return {"x-inngest-signature": signature}


class Endpoint:
    """A serve endpoint reached through an ``httpx.AsyncClient`` (an app in-process, or HTTP)."""

    def __init__(self, http: httpx.AsyncClient, url: str, signing_key: str | None = None) -> None:
        self.http = http
        self.url = url
        self._signing_key = signing_key

    def url_for(self, fn_id: str) -> str:
        """The serve URL that runs ``fn_id`` (one URL here; several apps' in a subclass)."""
        return self.url

    async def execute(self, call: ExecutionCall) -> httpx.Response:
        """POST one execution request; the answer is read whole, up to ``call.max_bytes``.

        Raises ``ResponseTooLarge`` as soon as the body passes ``max_bytes``: an
        endless body must not grow memory until a timeout.
        """
        built = execution_request(call, self._signing_key)
        request = self.http.build_request(
            "POST",
            f"{self.url_for(call.fn_id)}?{built.query}",
            content=built.raw,
            headers=built.headers,
        )
        return await send_limited(self.http, request, call.max_bytes)

    async def sync(self) -> httpx.Response:
        """Ask the SDK to register its functions (it POSTs them to ``/fn/register``).

        Its answer is read up to ``DEFAULT_MAX_BYTES``, as every answer is read with a limit.
        """
        headers = {"x-inngest-server-kind": server_kind(self._signing_key)}
        request = self.http.build_request("PUT", self.url, headers=headers)
        return await send_limited(self.http, request, DEFAULT_MAX_BYTES)
