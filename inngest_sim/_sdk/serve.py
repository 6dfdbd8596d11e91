"""The one seam to the SDK: an ``httpx.AsyncClient`` and a serve URL.

In-process the client talks to an ASGI app through ``httpx.ASGITransport``;
against a running server it talks HTTP. The executor cannot tell the difference.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

if TYPE_CHECKING:
    from collections.abc import Sequence


__all__ = ["Endpoint", "build_asgi_app", "transport_for_app"]

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
    worker thread keeps the simulator's loop free to answer the SDK's own calls.
    """

    def __init__(self, app: Any) -> None:
        self._wsgi = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        sync_request = httpx.Request(
            request.method, request.url, headers=request.headers, content=body
        )

        def call() -> httpx.Response:
            response = self._wsgi.handle_request(sync_request)
            return httpx.Response(
                response.status_code, headers=response.headers, content=response.read()
            )

        return await asyncio.to_thread(call)


def transport_for_app(app: Any) -> httpx.AsyncBaseTransport:
    """An in-process transport for an ASGI or a WSGI app."""
    return httpx.ASGITransport(app=app) if _is_asgi(app) else _WSGIInThread(app)


class Endpoint:
    """A serve endpoint the executor POSTs execution requests to."""

    def __init__(self, http: httpx.AsyncClient, url: str, signing_key: str | None = None) -> None:
        self.http = http
        self.url = url
        self._signing_key = signing_key

    def _sign(self, body: bytes) -> dict[str, str]:
        if not self._signing_key:
            return {}
        from inngest._internal import net

        signature = net.sign_request(body, self._signing_key)
        if isinstance(signature, Exception):
            raise signature
        return {"x-inngest-signature": signature}

    async def execute(
        self, *, fn_id: str, step_id: str, run_id: str, request_id: str, body: dict[str, Any]
    ) -> httpx.Response:
        raw = json.dumps(body, separators=(",", ":")).encode("utf-8")
        headers = {
            "content-type": "application/json",
            "x-inngest-server-kind": "cloud" if self._signing_key else "dev",
            "x-run-id": run_id,
            "x-request-id": request_id,
            "x-inngest-job-id": request_id,
            "x-inngest-req-version": "2",
            "x-inngest-step-id": step_id,
            **self._sign(raw),
        }
        query = urlencode({"fnId": fn_id, "stepId": step_id})
        return await self.http.post(f"{self.url}?{query}", content=raw, headers=headers)

    async def sync(self) -> httpx.Response:
        """Ask the SDK to register its functions (it POSTs them to ``/fn/register``)."""
        headers = {"x-inngest-server-kind": "cloud" if self._signing_key else "dev"}
        return await self.http.put(self.url, headers=headers)
