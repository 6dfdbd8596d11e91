"""Inngest's REST API v2 (``/api/v2``) over the dev server's engine and trace.

The paths, JSON shapes and error codes are the Go dev server's (``proto/api/v2/
service.proto``, ``pkg/api/v2/endpoints_*.go``), checked against a running one: an
envelope ``{"data", "metadata": {"fetchedAt"}, "page"}``, camelCase keys, run ids as
ULIDs, errors as ``{"errors": [{"code", "message"}]}``. Served: health, apps and their
functions, runs (list, one, its trace with step outputs, cancel, rerun from the start
or from a step, a function's runs), events (send, an event's runs) and invoke. What the
simulator cannot honour (a rerun's replacement step input, sandboxes, insights, scores,
keys, environments...) answers 501 ``not_implemented`` saying so; an unknown path
answers 404 with what is served, never a bare "Not Found".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from inngest_sim._dev.bodies import Problem, read_object
from inngest_sim._dev.views import NotFound, Views
from inngest_sim._errors import UnknownFunctionError
from inngest_sim._server.door import out_of_range
from inngest_sim._server.events import INVOKED_EVENT, check_inbound, make_event
from inngest_sim.trace import RunQueued, StepAttempt, StepSaved, Waiting

if TYPE_CHECKING:
    from starlette.requests import Request

    from inngest_sim._dev.server import DevServer
    from inngest_sim._server.registry import FunctionSpec

__all__ = ["rest_v2_routes"]

PREFIX = "/api/v2"
_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$")
DEFAULT_LIMIT, MAX_LIMIT = 20, 100  # endpoints_runs.go defaultRunsLimit, maxRunsLimit
# The SDK's opcodes as v2 names a step's op (stepOp).
_OPS = {
    "Step": "RUN",
    "StepRun": "RUN",
    "StepError": "RUN",
    "StepFailed": "RUN",
    "Sleep": "SLEEP",
    "WaitForEvent": "WAIT_FOR_EVENT",
    "InvokeFunction": "INVOKE",
    "AIGateway": "AI_GATEWAY",
    "Gateway": "FETCH",
    "WaitForSignal": "WAIT_FOR_SIGNAL",
}
# Routes of Inngest's v2 the simulator does not serve, by their first path segment.
_NOT_SERVED = {
    "partner": "partner accounts",
    "envs": "environments",
    "env": "environment webhooks",
    "account": "accounts",
    "keys": "event and signing keys",
    "sandboxes": "sandboxes",
    "insights": "Insights SQL",
    "experiments": "experiments",
    "sessions": "sessions",
}
SERVED = (
    "GET /health, GET /apps, GET /apps/{app}, GET /apps/{app}/functions, "
    "GET /apps/{app}/functions/{fn}, GET /apps/{app}/functions/{fn}/runs, "
    "POST /apps/{app}/functions/{fn}/invoke, GET /runs, GET /runs/{id}, "
    "GET /runs/{id}/trace, POST /runs/{id}/cancel, POST /runs/{id}/rerun, POST /events, "
    "GET /events/{id}/runs"
)


def _ms_iso(seconds: float) -> str:
    return (
        dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z")
    )


def _ok(data: Any, *, page: dict[str, Any] | None = None) -> JSONResponse:
    body: dict[str, Any] = {}
    if data not in (None, []):  # protojson leaves empty fields out, as the Go server does
        body["data"] = data
    body["metadata"] = {"fetchedAt": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")}
    if page is not None:
        body["page"] = page
    return JSONResponse(body)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message}]}, status_code=status)


class _V2Error(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _struct(value: Any) -> Any:
    """A value as a protobuf ``Struct`` field shows it: objects as they are, others wrapped."""
    return value if isinstance(value, dict) else {"data": value}


def _duration_ms(start: str | None, end: str | None) -> str | None:
    if not start or not end:
        return None
    gap = dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
    return str(int(gap.total_seconds() * 1000))


class _Api:
    def __init__(self, server: DevServer) -> None:
        self.server = server
        self.views = Views(server.trace)

    # ------------------------------------------------------------- lookups
    def _run_id(self, request: Request) -> str:
        run_id = str(request.path_params["run_id"])
        if not _ULID.match(run_id):
            raise _V2Error(400, "invalid_field_format", "Run ID must be a valid ULID")
        if not self.server.trace.of(RunQueued, run_id):
            raise _V2Error(404, "not_found", "Run not found")
        return run_id

    def _function(self, request: Request) -> FunctionSpec:
        app_id, fn = str(request.path_params["app_id"]), str(request.path_params["fn_id"])
        if app_id not in self.server.apps.apps:
            raise _V2Error(404, "not_found", f"App not found: {app_id}")
        specs: list[FunctionSpec] = list(self.server.registry)
        for spec in specs:
            if spec.app_id == app_id and fn in (spec.id, _local_id(spec)):
                return spec
        raise _V2Error(404, "not_found", "Function not found")

    # ---------------------------------------------------------------- shapes
    def run(self, run_id: str, *, include_output: bool = False) -> dict[str, Any]:
        view = self.views.run(run_id)
        queued = self.server.trace.of(RunQueued, run_id)[0]
        try:
            spec: FunctionSpec | None = self.server.registry.get(view["functionID"])
        except UnknownFunctionError:
            spec = None
        run: dict[str, Any] = {
            "app": {"id": spec.app_id if spec else ""},
            "function": {
                "id": _local_id(spec) if spec else view["functionID"],
                "name": spec.name if spec else view["functionID"],
            },
            "id": run_id,
            "queuedAt": _ms(view["queuedAt"]),
            "status": view["status"],
            "trigger": {"eventIds": list(queued.event_ids)},
        }
        for key in ("startedAt", "endedAt"):
            if view[key]:
                run[key] = _ms(view[key])
        duration = _duration_ms(view["startedAt"], view["endedAt"])
        if duration is not None:
            run["durationMs"] = duration
        if include_output and view["status"] not in ("QUEUED", "RUNNING"):
            result = self.views.result(run_id)
            run["output"] = _struct(result.output if result.status == "Completed" else result.error)
        return run

    def trace(self, run_id: str, *, include_output: bool) -> dict[str, Any]:
        run = self.run(run_id, include_output=include_output)
        records = self.server.trace.for_run(run_id)
        children = []
        for span in self.views.spans(run_id):
            if span["stepID"] is None:  # Finalization: the function's own result
                child: dict[str, Any] = {"name": span["name"], "status": span["status"]}
                if "endedAt" in run:
                    child["endedAt"] = run["endedAt"]
                children.append(child)
                continue
            children.append(self._step_span(records, span, include_output=include_output))
        root: dict[str, Any] = {
            "name": "Run",
            "status": run["status"],
            "queuedAt": run["queuedAt"],
            "children": children,
        }
        for key in ("startedAt", "endedAt", "durationMs"):
            if key in run:
                root[key] = run[key]
        if include_output:
            queued = records.of(RunQueued)[0]
            root["input"] = {"data": queued.events or [queued.event]}
            if "output" in run:
                root["output"] = run["output"]
        return {"runId": run_id, "rootSpan": root}

    def _step_span(self, records: Any, span: dict[str, Any], *, include_output: bool) -> Any:
        step_hash = _hash_of(records, span["stepID"])
        started = [r.t for r in records if _is_step(r, step_hash)]
        saved = [r for r in records.of(StepSaved) if r.step_hash == step_hash]
        waits = [r for r in records.of(Waiting) if r.step_hash == step_hash]
        op = saved[-1].op if saved else (waits[-1].op if waits else "StepRun")
        child: dict[str, Any] = {
            "name": span["name"],
            "status": span["status"],
            "stepId": step_hash,
            "stepOp": _OPS.get(op, op.upper()),
        }
        if started:
            child["queuedAt"] = child["startedAt"] = _ms_iso(min(started))
        if saved:
            child["endedAt"] = _ms_iso(saved[-1].t)
            child["durationMs"] = str(int((saved[-1].t - min(started or [saved[-1].t])) * 1000))
            if include_output and saved[-1].value is not None:
                value = saved[-1].value
                child["output"] = _struct({"error": value} if saved[-1].memo == "error" else value)
        return child

    def runs(self, request: Request, only: FunctionSpec | None = None) -> JSONResponse:
        params = request.query_params
        limit = _limit(params.get("limit"))
        statuses = {s.upper() for s in params.getlist("status")}
        # grpc-gateway takes a field's proto name or its JSON (camelCase) name; the CLI
        # sends the latter.
        apps = set(params.getlist("app_id") + params.getlist("appId"))
        fns = set(params.getlist("function_id") + params.getlist("functionId"))
        if fns and not apps:  # endpoints_runs.go listRunsOpts
            raise _V2Error(
                400, "invalid_field_format", "appId is required when filtering by functionId"
            )
        include = _include_output(request)
        picked = []
        for queued in reversed(self.server.trace.of(RunQueued)):  # newest first, as Go lists
            run = self.run(queued.run_id, include_output=include)
            if only is not None and queued.function_id != only.id:
                continue
            if statuses and run["status"] not in statuses:
                continue
            if apps and run["app"]["id"] not in apps:
                continue
            if fns and not fns & {run["function"]["id"], queued.function_id}:
                continue
            picked.append(run)
        start = _cursor(params.get("cursor"))
        page = picked[start : start + limit]
        more = start + limit < len(picked)
        info: dict[str, Any] = {"limit": limit}
        if more:
            info |= {"cursor": _encode_cursor(start + limit), "hasMore": True}
        return _ok(page, page=info)

    def app(self, app_id: str) -> dict[str, Any]:
        app = self.server.apps.apps.get(app_id)
        if app is None:
            raise _V2Error(404, "not_found", f"App not found: {app_id}")
        language, _, version = app.sdk.partition(":")
        return {
            "id": app.id,
            "name": app.id,
            "functionCount": len(app.functions),
            "method": "SERVE",
            "latestSync": {"url": app.url, "sdkLanguage": language, "sdkVersion": version},
        }

    def function(self, spec: FunctionSpec) -> dict[str, Any]:
        triggers = [
            {"type": "CRON", "value": t.cron} if t.cron else {"type": "EVENT", "value": t.event}
            for t in spec.triggers
        ]
        return {
            "app": {"id": spec.app_id},
            "id": _local_id(spec),
            "name": spec.name,
            "slug": _local_id(spec),
            "triggers": triggers,
            "configuration": {"retries": {"value": spec.retries}},
        }

    # ------------------------------------------------------------- actions
    def cancel(self, run_id: str) -> dict[str, Any]:
        engine = self.server.engine
        state = engine.runs.get(run_id)
        if state is None or not state.running:
            # endpoints_runs.go CancelRun: a cancelled run and an otherwise ended one differ.
            if self.views.run(run_id)["status"] == "CANCELLED":
                raise _V2Error(409, "run_already_cancelled", "Run is already cancelled")
            raise _V2Error(409, "run_already_ended", "Cannot cancel an ended run")
        engine.cancel(state, "cancelled through the REST API")
        return {"runId": run_id}

    def rerun(self, run_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new run of the same events; with ``fromStep``, the steps the original run
        saved before that step are its memos, so the rerun starts at it (reconstruct.go)."""
        from_step = _from_step(body.get("fromStep"))
        queued = self.server.trace.of(RunQueued, run_id)[0]
        try:
            spec = self.server.registry.get(queued.function_id)
        except UnknownFunctionError as exc:
            raise _V2Error(404, "not_found", f"Function not found: {exc}") from None
        copied = self._steps_before(run_id, from_step) if from_step is not None else []
        engine = self.server.engine
        new = engine.start_run(spec, list(queued.events or [queued.event]))
        original = engine.runs[run_id]
        for record in copied:  # saved before the new run's first request goes out
            size = new.save(record.step_hash, record.step, original.memos[record.step_hash])
            engine.recorder.record(
                StepSaved,
                run_id=new.run_id,
                step=record.step,
                step_hash=record.step_hash,
                op=record.op,
                memo=record.memo,
                bytes=size,
                state_bytes=new.state_bytes,
                step_count=new.step_count,
                value=record.value,
            )
        return {"runId": new.run_id}

    def _steps_before(self, run_id: str, step: str) -> list[StepSaved]:
        """The original run's saved steps before ``step`` (its id, or its unique name)."""
        saved = self.server.trace.for_run(run_id).of(StepSaved)
        names = {s["stepID"]: s["name"] for s in self.views.spans(run_id) if s["stepID"]}
        if any(r.step_hash == step for r in saved):
            target = step
        else:
            matching = {r.step_hash for r in saved if names.get(r.step, r.step) == step}
            if not matching:
                raise _V2Error(400, "invalid_request", "Step not found in original run")
            if len(matching) > 1:
                raise _V2Error(
                    400, "invalid_request", "Step name matches multiple steps in original run"
                )
            (target,) = matching
        before = []
        for record in saved:
            if record.step_hash == target:
                break
            before.append(record)
        return before

    def invoke(self, spec: FunctionSpec, body: dict[str, Any]) -> dict[str, Any]:
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise _V2Error(400, "invalid_field_format", "data must be a JSON object")
        beyond = out_of_range(data)
        if beyond is not None:
            raise _V2Error(
                400,
                "invalid_field_format",
                f"data: the number {beyond} is beyond a 64-bit float, as the Inngest server "
                "reads it; send a larger number as a string",
            )
        engine = self.server.engine
        payload = {**data, "_inngest": {"fn_id": spec.id}}
        event = make_event(INVOKED_EVENT, payload, engine.ids, engine.clock.now())
        self.server.ingest.receive(engine, [event], "invoke")
        run = self.server.held.schedule(engine, spec, event)
        run_id = getattr(run, "run_id", None)
        return {"runId": run_id} if run_id else {}

    def send_event(self, body: dict[str, Any]) -> dict[str, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise _V2Error(400, "missing_field", "Event name is required")
        for key in ("data", "user"):
            if body.get(key) is not None and not isinstance(body[key], dict):
                raise _V2Error(400, "invalid_field_format", f"{key} must be a JSON object")
        if body.get("ts") is not None and (
            isinstance(body["ts"], bool) or not isinstance(body["ts"], int)
        ):
            raise _V2Error(400, "invalid_field_format", "ts must be Unix time in milliseconds")
        event = {k: body[k] for k in ("name", "data", "user", "id", "ts") if body.get(k)}
        # The Event API's own checks (reserved names, size, numbers), one for every door.
        problem = check_inbound(event, 0, self.server.options.limits)
        if problem:
            raise _V2Error(400, "invalid_request", problem)
        (event_id,) = self.server.host.receive_events([event], "event-api")
        return {"eventId": event_id}

    def event_runs(self, event_id: str) -> list[dict[str, Any]]:
        if not _ULID.match(event_id):
            raise _V2Error(400, "invalid_field_format", "Event ID must be a valid ULID")
        try:
            ids = self.views.event_runs(event_id)
        except NotFound:
            return []  # the Go server answers an unknown event with no runs, not a 404
        return [self.run(run_id) for run_id in ids]


def _from_step(raw: Any) -> str | None:
    """``fromStep.stepId`` of a rerun, checked as endpoints_runs.go checks it."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"stepId", "input"}:
        raise _V2Error(
            400, "invalid_field_format", 'fromStep is {"stepId": "<step name>", "input": [...]}'
        )
    step = raw.get("stepId")
    if not isinstance(step, str) or not step:
        raise _V2Error(400, "missing_field", "Step ID is required")
    if raw.get("input") is not None:
        raise _V2Error(
            501,
            "not_implemented",
            "inngest-sim dev reruns from a step with the step's original input only; a "
            "replacement input (fromStep.input) is not implemented",
        )
    return step


def _include_output(request: Request) -> bool:
    """``?include_output=`` or ``?includeOutput=`` (grpc-gateway takes either; the CLI
    sends the camelCase one)."""
    params = request.query_params
    raw = params.get("includeOutput", params.get("include_output"))
    return raw in ("true", "1")


def _ms(text: str | None) -> str | None:
    """An ISO time at millisecond precision, as Go writes run times."""
    return _ms_iso(dt.datetime.fromisoformat(text).timestamp()) if text else None


def _local_id(spec: FunctionSpec) -> str:
    prefix = f"{spec.app_id}-"
    return spec.id[len(prefix) :] if spec.app_id and spec.id.startswith(prefix) else spec.id


def _hash_of(records: Any, step_id: str) -> str:
    for record in records:
        if isinstance(record, StepAttempt | StepSaved | Waiting) and record.step == step_id:
            return str(record.step_hash)
    return step_id


def _is_step(record: Any, step_hash: str) -> bool:
    return isinstance(record, StepAttempt | Waiting) and record.step_hash == step_hash


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise _V2Error(400, "invalid_field_format", f"limit must be a number from 1 to {MAX_LIMIT}")
    return int(raw)


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"sim:{offset}".encode()).decode()


def _cursor(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    prefix, _, offset = text.partition(":")
    if prefix != "sim" or not offset.isdigit():
        raise _V2Error(400, "invalid_field_format", "cursor is not one this server gave")
    return int(offset)


def rest_v2_routes(server: DevServer) -> list[Route]:
    """The REST API v2 routes, under ``/api/v2``."""
    api = _Api(server)

    def route(path: str, method: str, action: Any) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                response: JSONResponse = await action(request)
            except _V2Error as exc:
                return _error(exc.status, exc.code, exc.message)
            except Problem as exc:
                code = "validation_error" if exc.status < 500 else "internal_error"
                return _error(exc.status, code, exc.message)
            return response

        return Route(PREFIX + path, endpoint, methods=[method])

    async def health(request: Request) -> JSONResponse:
        return _ok({"status": "ok"})

    async def apps(request: Request) -> JSONResponse:
        listed = [api.app(a) for a in server.apps.apps]
        return _ok(listed, page={"limit": DEFAULT_LIMIT})

    async def app(request: Request) -> JSONResponse:
        return _ok(api.app(str(request.path_params["app_id"])))

    async def functions(request: Request) -> JSONResponse:
        app_id = str(request.path_params["app_id"])
        api.app(app_id)  # 404 for an unknown app
        specs = [api.function(s) for s in server.registry if s.app_id == app_id]
        return _ok(specs, page={"limit": DEFAULT_LIMIT})

    async def function(request: Request) -> JSONResponse:
        return _ok(api.function(api._function(request)))

    async def function_runs(request: Request) -> JSONResponse:
        return api.runs(request, only=api._function(request))

    async def invoke(request: Request) -> JSONResponse:
        spec = api._function(request)
        body = await read_object(request, keys=("data", "idempotencyKey", "functionId", "appId"))
        return _ok(api.invoke(spec, body))

    async def runs(request: Request) -> JSONResponse:
        return api.runs(request)

    async def run(request: Request) -> JSONResponse:
        return _ok(api.run(api._run_id(request), include_output=_include_output(request)))

    async def trace(request: Request) -> JSONResponse:
        return _ok(api.trace(api._run_id(request), include_output=_include_output(request)))

    async def cancel(request: Request) -> JSONResponse:
        run_id = api._run_id(request)
        await read_object(request, keys=("runId",))
        return _ok(api.cancel(run_id))

    async def rerun(request: Request) -> JSONResponse:
        run_id = api._run_id(request)
        body = await read_object(request, keys=("fromStep", "runId"))
        return _ok(api.rerun(run_id, body))

    async def send(request: Request) -> JSONResponse:
        body = await read_object(request, keys=("name", "data", "user", "id", "ts"))
        return _ok(api.send_event(body))

    async def event_runs(request: Request) -> JSONResponse:
        found = api.event_runs(str(request.path_params["event_id"]))
        return _ok(found, page={"limit": DEFAULT_LIMIT})

    async def other(request: Request) -> JSONResponse:
        first = str(request.path_params["rest"]).strip("/").split("/")[0]
        if first in _NOT_SERVED or (first == "runs" and request.url.path.endswith("/scores")):
            what = _NOT_SERVED.get(first, "run scores")
            raise _V2Error(
                501,
                "not_implemented",
                f"inngest-sim dev does not serve Inngest's {what} API "
                f"({request.method} {request.url.path}); it serves {SERVED}",
            )
        raise _V2Error(
            404,
            "api_error",
            f"Not Found: {request.method} {request.url.path} is not a REST API v2 route "
            f"inngest-sim dev serves; it serves {SERVED} under {PREFIX}",
        )

    fallback = [route("/{rest:path}", method, other) for method in ("GET", "POST", "PUT", "DELETE")]
    return [
        route("/health", "GET", health),
        route("/apps", "GET", apps),
        route("/apps/{app_id}", "GET", app),
        route("/apps/{app_id}/functions", "GET", functions),
        route("/apps/{app_id}/functions/{fn_id}", "GET", function),
        route("/apps/{app_id}/functions/{fn_id}/runs", "GET", function_runs),
        route("/apps/{app_id}/functions/{fn_id}/invoke", "POST", invoke),
        route("/runs", "GET", runs),
        route("/runs/{run_id}", "GET", run),
        route("/runs/{run_id}/trace", "GET", trace),
        route("/runs/{run_id}/cancel", "POST", cancel),
        route("/runs/{run_id}/rerun", "POST", rerun),
        route("/events", "POST", send),
        route("/events/{event_id}/runs", "GET", event_runs),
        *fallback,
    ]
