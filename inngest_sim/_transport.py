"""The one seam to the SDK: an ``httpx.AsyncClient`` and a serve URL.

In-process the client talks to an ASGI app through ``httpx.ASGITransport``;
against a running server it talks HTTP. The executor cannot tell the difference.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

__all__ = ["Endpoint", "build_asgi_app"]

IN_PROCESS_ORIGIN = "http://inngest-sim.invalid"
DEFAULT_SERVE_PATH = "/api/inngest"


def build_asgi_app(client: Any, functions: Sequence[Any], serve_path: str) -> Any:
    """Serve ``functions`` with the SDK's own FastAPI adapter."""
    import fastapi
    import inngest.fast_api

    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, list(functions), serve_path=serve_path)
    return app


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
