"""The dev server's HTTP side: one ASGI app (Starlette) on one loopback port.

- The Inngest API SDKs call (``POST /fn/register``, ``/e/{key}``, ``/v0/runs/...``,
  realtime publish, ``/v1/checkpoint/...``): ``inngest_sim._server.api.InngestApi``.
- What test suites read: ``POST /v0/gql``, ``GET /v1/events``, ``GET /v1/runs/{id}``,
  ``GET /dev``, ``POST /v0/connect/start`` (the Python suite's readiness probe).
- inngest-sim's own, under ``/sim``: the run list, each run's trace (JSON), history
  (the deploy check's JSON) and report (HTML), the held-run queue (list, drain, clear),
  the events received, app sync, and the Inngest API calls recorded (``/sim/api-calls``).
Every answer carries ``x-inngest-server-kind: dev``, as the Go dev server's do.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from inngest_sim._dev.api_calls import api_call_routes
from inngest_sim._dev.bodies import Problem, seconds_param
from inngest_sim._dev.graphql import run_query
from inngest_sim._dev.guard import Guard
from inngest_sim._dev.mcp import mcp_routes
from inngest_sim._dev.rest_v2 import rest_v2_routes
from inngest_sim._dev.time_api import time_routes
from inngest_sim._dev.views import NotFound, Views
from inngest_sim._server.door import BadBody, read_json
from inngest_sim.trace import record_class

if TYPE_CHECKING:
    from starlette.requests import Request

    from inngest_sim._dev.server import DevServer

__all__ = ["build_app"]

MAX_DRAIN_WAIT = 600.0
#: The runs the page at ``/`` lists (the newest): a page costs what it shows.
INDEX_RUNS = 500


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _rest(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": data, "metadata": {"fetched_at": _now()}}, status_code=status)


def _not_found(exc: NotFound) -> JSONResponse:
    return JSONResponse({"error": str(exc), "status": 404}, status_code=404)


def _seconds(request: Request, name: str, default: float) -> float:
    try:
        return seconds_param(request, name, default, MAX_DRAIN_WAIT)
    except Problem as exc:
        raise ValueError(exc.message) from None


def build_app(server: DevServer) -> Any:
    """The ASGI app that serves ``server`` (started)."""
    assert server.api is not None
    views = Views(server.trace)
    v2_routes = rest_v2_routes(server)

    async def gql(request: Request) -> JSONResponse:
        try:
            body = read_json(await request.body(), "the GraphQL request")
        except BadBody as exc:
            return JSONResponse({"data": None, "errors": [{"message": str(exc)}]}, 400)
        return JSONResponse(run_query(views, body))

    async def list_events(request: Request) -> JSONResponse:
        return _rest(views.events(request.query_params.get("name")))

    async def event_runs(request: Request) -> JSONResponse:
        try:
            ids = views.event_runs(request.path_params["event_id"])
        except NotFound as exc:
            return _not_found(exc)
        return _rest([views.run(run_id) for run_id in ids])

    async def get_run(request: Request) -> JSONResponse:
        try:
            return _rest(views.run(request.path_params["run_id"]))
        except NotFound as exc:
            return _not_found(exc)

    async def info(request: Request) -> JSONResponse:
        options = server.options
        return JSONResponse(
            {
                "server": "inngest-sim dev",
                "clock": options.clock,
                "auto_run": options.auto_run,
                "checkpointing": options.checkpointing,
                "time": server.time.status(),
                "apps": [
                    {"id": a.id, "url": a.url, "sdk": a.sdk, "functions": list(a.functions)}
                    for a in server.apps.apps.values()
                ],
                "held_runs": len(server.held.queue),
            }
        )

    async def connect_start(request: Request) -> JSONResponse:
        # The Python SDK's dev-server runner polls this until the server is up.
        return JSONResponse({})

    async def sim_runs(request: Request) -> JSONResponse:
        raw = request.query_params.get("limit")
        if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            return JSONResponse(
                {"error": f"?limit={raw[:40]!r}: give a whole number of runs, e.g. ?limit=100"},
                status_code=400,
            )
        limit = None if raw is None else int(raw)
        return JSONResponse({"runs": views.list_runs(limit), "total": len(views.index.runs)})

    async def sim_run(request: Request) -> JSONResponse:
        run_id = request.path_params["run_id"]
        try:
            wait = _seconds(request, "wait", 0.0)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        state = server.engine.runs.get(run_id)
        if wait and state is not None and state.running:
            # ?wait=S answers once the run has ended (or after S seconds): a client waits
            # with one request instead of polling.
            await server.wait_for([state], wait)
        try:
            run = views.run(run_id)
            spans = views.spans(run_id)
        except NotFound as exc:
            return _not_found(exc)
        return JSONResponse({**run, "steps": spans})

    async def sim_trace(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        if run_id not in server.trace.run_ids():
            return _not_found(NotFound(f"no run {run_id}"))
        until = request.query_params.get("until")
        if until is not None:
            # ?until=KIND[&timeout=S]: answer once the run has a record of that kind (a
            # test waits for "waiting" before it sends the event a wait is for).
            if record_class(until) is None:
                return JSONResponse(
                    {
                        "error": f"?until={until!r} is not a record kind; give one as traces "
                        "write it, e.g. waiting, step_saved, run_ended"
                    },
                    status_code=400,
                )
            try:
                timeout = _seconds(request, "timeout", 30.0)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            trace = server.trace
            await server.wait_until(
                lambda: any(r.kind == until for r in trace.for_run(run_id)), timeout
            )
        return Response(server.trace.for_run(run_id).to_json(), media_type="application/json")

    async def sim_history(request: Request) -> Response:
        # The run's history as `RunResult.save_history` writes it: check it against new
        # code with `inngest-sim check-deploy`.
        from inngest_sim._history.capture import history_of

        run_id = request.path_params["run_id"]
        if run_id not in server.trace.run_ids():
            return _not_found(NotFound(f"no run {run_id}"))
        history = history_of(server.trace.for_run(run_id), run_id)
        return Response(history.to_json(), media_type="application/json")

    async def sim_report(request: Request) -> Response:
        from inngest_sim.report import render_html

        run_id = request.path_params["run_id"]
        if run_id not in server.trace.run_ids():
            return _not_found(NotFound(f"no run {run_id}"))
        trace = server.trace.for_run(run_id)
        return HTMLResponse(render_html(trace, limits=server.options.limits))

    async def index(request: Request) -> HTMLResponse:
        rows = "".join(
            f"<tr><td>{html.escape(r['functionID'])}</td><td>{r['status']}</td>"
            f"<td>{r['queuedAt']}</td><td><a href='/sim/runs/{r['id']}/report'>report</a> "
            f"<a href='/sim/runs/{r['id']}/trace'>trace</a> "
            f"<a href='/sim/runs/{r['id']}'>{r['id']}</a></td></tr>"
            for r in reversed(views.list_runs(INDEX_RUNS))
        )
        total = len(views.index.runs)
        more = (
            f"<p>The newest {INDEX_RUNS} of {total} runs; all of them: "
            "<a href='/sim/runs'>/sim/runs</a></p>"
            if total > INDEX_RUNS
            else ""
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>inngest-sim dev</title>"
            f"<h1>inngest-sim dev</h1>{more}<table><tr><th>function</th><th>status</th>"
            f"<th>queued</th><th>run</th></tr>{rows}</table>"
        )
        return HTMLResponse(page)

    async def queue(request: Request) -> JSONResponse:
        return JSONResponse({"held": [h.describe() for h in server.held.queue]})

    async def drain(request: Request) -> JSONResponse:
        try:
            wait = request.query_params.get("wait", "1") not in ("0", "false", "no")
            timeout = _seconds(request, "timeout", 30.0)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        started = await server.drain()
        if wait:
            await server.wait_for(started, timeout)
        still = [r.run_id for r in started if r.running]
        return JSONResponse(
            {
                "runs": [views.run(r.run_id) for r in started],
                "still_running": still,
            }
        )

    async def clear(request: Request) -> JSONResponse:
        return JSONResponse({"cleared": server.held.clear()})

    async def sim_events(request: Request) -> JSONResponse:
        return JSONResponse({"events": views.events(request.query_params.get("name"))})

    async def sync_app(request: Request) -> JSONResponse:
        url = request.query_params.get("url")
        if not url or not url.startswith(("http://", "https://")):
            return JSONResponse(
                {"error": "POST /sim/apps?url=<the app's serve URL, http(s)://...>"},
                status_code=400,
            )
        remote = server.apps.url_problem(url, "the app URL")
        if remote is not None:
            return JSONResponse({"error": remote}, status_code=403)
        problem = await server.sync_url(url)
        if problem is not None:
            return JSONResponse({"error": problem}, status_code=502)
        return JSONResponse({"ok": True})

    api = server.api.asgi()
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/v0/gql", gql, methods=["POST"]),
        Route("/v0/connect/start", connect_start, methods=["POST"]),
        Route("/v1/events", list_events, methods=["GET"]),
        Route("/v1/events/{event_id}/runs", event_runs, methods=["GET"]),
        Route("/v1/runs/{run_id}", get_run, methods=["GET"]),
        Route("/dev", info, methods=["GET"]),
        Route("/sim/runs", sim_runs, methods=["GET"]),
        Route("/sim/runs/{run_id}", sim_run, methods=["GET"]),
        Route("/sim/runs/{run_id}/trace", sim_trace, methods=["GET"]),
        Route("/sim/runs/{run_id}/history", sim_history, methods=["GET"]),
        Route("/sim/runs/{run_id}/report", sim_report, methods=["GET"]),
        Route("/sim/queue", queue, methods=["GET"]),
        Route("/sim/queue", clear, methods=["DELETE"]),
        Route("/sim/queue/drain", drain, methods=["POST"]),
        Route("/sim/events", sim_events, methods=["GET"]),
        Route("/sim/apps", sync_app, methods=["POST"]),
        *time_routes(server.time),
        *api_call_routes(server.trace),
        *v2_routes,
        *mcp_routes(server, Starlette(routes=v2_routes)),
        Mount("", app=api),
    ]
    lanes = _EventLane(api, Starlette(routes=routes))
    return _ServerKind(Guard(lanes, server.options.allowed_hosts))


class _EventLane:
    """Sends (``POST /e/{key}``) straight to the Inngest API app, everything else through
    Starlette's routes. Sends are the hot path under load, and Starlette's middleware and
    its forty routes tried in turn cost about a twentieth of the server's CPU a run. The
    API app answers every send itself, as it does behind the ``Mount``."""

    def __init__(self, api: Any, routes: Any) -> None:
        self.api = api
        self.routes = routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"][:3] == "/e/":
            await self.api(scope, receive, send)
        else:
            await self.routes(scope, receive, send)


class _ServerKind:
    """Adds ``x-inngest-server-kind: dev`` to every response, as the Go dev server does."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_kind(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"x-inngest-server-kind", b"dev")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_kind)
