"""An MCP server at ``/mcp`` with the Inngest dev server's tools, over its REST API v2.

Inngest's dev server builds its MCP tools from REST API v2 (``pkg/devserver/mcp.go``,
``pkg/api/v2/apiv2mcp``): each tool takes the endpoint's fields in camelCase, answers
with the endpoint's JSON body, and an HTTP error becomes a tool error reading
``REST API v2 returned HTTP <status>: <body>``. This one does the same through the
official MCP Python SDK (the ``[mcp]`` extra; Streamable HTTP, stateless, JSON answers),
calling the ``/api/v2`` routes of the same server in-process, so runs, traces, held time
and faults read as they do over HTTP. The documentation tools (``grep_docs``,
``read_doc``, ``list_docs``) answer that the simulator ships no Inngest docs.

Without the extra, ``/mcp`` answers 501 naming the install command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import httpx
from pydantic import Field
from starlette.responses import JSONResponse
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.requests import Request

    from inngest_sim._dev.server import DevServer

__all__ = ["DOCS_MESSAGE", "MISSING_EXTRA", "mcp_routes"]

# The tools' arguments, named and described as Inngest's (module level: the SDK reads
# the annotations of each tool to build its input schema).
run_id = Annotated[str, Field(description="runId")]
include = Annotated[bool | None, Field(description="includeOutput")]
app_id = Annotated[str, Field(description="The ID of the app containing the function")]
fn_id = Annotated[str, Field(description="The ID of the function")]
event_id = Annotated[str, Field(description="eventId")]

MISSING_EXTRA = (
    "the MCP server of inngest-sim dev needs the [mcp] extra: pip install 'inngest-sim[mcp]'"
)
DOCS_MESSAGE = (
    "inngest-sim dev ships no Inngest documentation; read https://www.inngest.com/docs "
    "(the Inngest dev server's MCP serves its docs from a bundled copy)"
)


def _mcp_available() -> bool:
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        return False
    return True


def mcp_routes(server: DevServer, v2_app: Any) -> list[Route]:
    """``/mcp``: the MCP server (with the extra), else a 501 that says what to install."""
    if not _mcp_available():

        async def missing(request: Request) -> JSONResponse:
            return JSONResponse({"error": MISSING_EXTRA, "status": 501}, status_code=501)

        return [Route("/mcp", missing, methods=["GET", "POST", "DELETE"])]
    mcp_server = _build(v2_app)
    app = mcp_server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=_no_host_check(),
    )
    server.add_lifespan(mcp_server.session_manager.run())
    (route,) = [r for r in app.routes if isinstance(r, Route) and r.path == "/mcp"]

    async def no_stream(request: Request) -> JSONResponse:
        # Stateless: there is no server-to-client stream to open, and a GET must not hang.
        return JSONResponse(
            {"error": "POST JSON-RPC requests to /mcp; this MCP server opens no event stream"},
            status_code=405,
            headers={"allow": "POST"},
        )

    return [Route("/mcp", route.endpoint, methods=["POST"]), Route("/mcp", no_stream)]


def _no_host_check() -> Any:
    # The dev server's Guard already refuses hosts and origins that are not loopback.
    from mcp.server.transport_security import TransportSecuritySettings

    return TransportSecuritySettings(enable_dns_rebinding_protection=False)


class _V2:
    """Calls to the server's own REST API v2, as the Go tools make them."""

    def __init__(self, v2_app: Any) -> None:
        self.v2_app = v2_app

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        from mcp.server.mcpserver.exceptions import ToolError

        query = {k: v for k, v in (params or {}).items() if v is not None}
        transport = httpx.ASGITransport(app=self.v2_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            response = await http.request(method, f"/api/v2{path}", params=query, json=body)
        if response.status_code >= 400:
            raise ToolError(f"REST API v2 returned HTTP {response.status_code}: {response.text}")
        answer: dict[str, Any] = response.json()
        return answer


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


def _build(v2_app: Any) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    v2 = _V2(v2_app)
    mcp = MCPServer(
        name="inngest-sim dev",
        instructions=(
            "inngest-sim dev: the Inngest dev server's tools over a simulator with virtual "
            "time, fault injection and held runs. Runs, traces and events come from REST API v2."
        ),
    )

    @mcp.tool(description="Returns the health status of the API service")
    async def health() -> dict[str, Any]:
        return await v2.call("GET", "/health")

    @mcp.tool(description="Lists active apps")
    async def get_apps() -> dict[str, Any]:
        return await v2.call("GET", "/apps")

    @mcp.tool(description="Fetches details for a single app, including its function count")
    async def get_app(appId: app_id) -> dict[str, Any]:
        return await v2.call("GET", f"/apps/{appId}")

    @mcp.tool(description="Lists function configuration and status details for an app")
    async def list_functions(appId: app_id) -> dict[str, Any]:
        return await v2.call("GET", f"/apps/{appId}/functions")

    @mcp.tool(description="Fetches function configuration for a function within an app")
    async def get_function(appId: app_id, functionId: fn_id) -> dict[str, Any]:
        return await v2.call("GET", f"/apps/{appId}/functions/{functionId}")

    @mcp.tool(description="Lists runs, newest first, optionally filtered by app and function")
    async def list_runs(
        appId: list[str] | None = None,
        functionId: list[str] | None = None,
        status: list[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        includeOutput: include = None,
    ) -> dict[str, Any]:
        params = {
            "app_id": appId,
            "function_id": functionId,
            "status": status,
            "limit": limit,
            "cursor": cursor,
            "includeOutput": _flag(includeOutput),
        }
        return await v2.call("GET", "/runs", params=params)

    @mcp.tool(description="Lists runs for one function")
    async def list_function_runs(
        appId: app_id,
        functionId: fn_id,
        limit: int | None = None,
        cursor: str | None = None,
        includeOutput: include = None,
    ) -> dict[str, Any]:
        params = {"limit": limit, "cursor": cursor, "includeOutput": _flag(includeOutput)}
        return await v2.call("GET", f"/apps/{appId}/functions/{functionId}/runs", params=params)

    @mcp.tool(description="Fetches the canonical run summary for a single function run")
    async def get_run(runId: run_id, includeOutput: include = None) -> dict[str, Any]:
        params = {"includeOutput": _flag(includeOutput)}
        return await v2.call("GET", f"/runs/{runId}", params=params)

    @mcp.tool(description="Fetches the trace tree for a single function run")
    async def get_run_trace(runId: run_id, includeOutput: include = None) -> dict[str, Any]:
        params = {"includeOutput": _flag(includeOutput)}
        return await v2.call("GET", f"/runs/{runId}/trace", params=params)

    @mcp.tool(description="Lists function runs triggered by a specific event")
    async def get_event_runs(
        eventId: event_id,
        includeOutput: include = None,
    ) -> dict[str, Any]:
        params = {"includeOutput": _flag(includeOutput)}
        return await v2.call("GET", f"/events/{eventId}/runs", params=params)

    @mcp.tool(description="Creates a new run using the original run's triggering event data")
    async def rerun(runId: run_id, fromStep: dict[str, Any] | None = None) -> dict[str, Any]:
        body = {"fromStep": fromStep} if fromStep is not None else {}
        return await v2.call("POST", f"/runs/{runId}/rerun", body=body)

    @mcp.tool(description="Cancels an in-progress function run")
    async def cancel_run(runId: run_id) -> dict[str, Any]:
        return await v2.call("POST", f"/runs/{runId}/cancel")

    @mcp.tool(description="Invokes a function asynchronously with data; returns its run id")
    async def invoke_function(
        appId: app_id,
        functionId: fn_id,
        data: dict[str, Any] | None = None,
        idempotencyKey: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"data": data or {}}
        if idempotencyKey is not None:
            body["idempotencyKey"] = idempotencyKey
        return await v2.call("POST", f"/apps/{appId}/functions/{functionId}/invoke", body=body)

    @mcp.tool(
        description="Send an event to the dev server and return the event ID and any run IDs "
        "it creates"
    )
    async def send_event(
        name: str,
        data: dict[str, Any] | None = None,
        user: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "data": data or {}}
        if user is not None:
            body["user"] = user
        sent = await v2.call("POST", "/events", body=body)
        event_id = sent["data"]["eventId"]
        runs = await v2.call("GET", f"/events/{event_id}/runs")
        return {
            "eventId": event_id,
            "runIds": [r["id"] for r in runs.get("data", [])],
            "status": "accepted",
            "message": f"Event {name!r} sent successfully",
        }

    for doc_tool in ("grep_docs", "read_doc", "list_docs"):

        def docs(pattern: str | None = None, path: str | None = None) -> str:
            raise ToolError(DOCS_MESSAGE)

        mcp.tool(name=doc_tool, description=f"{doc_tool}: {DOCS_MESSAGE}")(docs)

    return mcp
