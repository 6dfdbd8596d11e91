"""A minimal executor, shaped like the Go one, that drives the TypeScript app and logs the wire.

It follows `ts-sdk-v4-protocol.md` §10: discovery and targeted requests, fan-in with
`disable_immediate_execution`, retries on the same queue item, checkpoints saved as they
arrive. Requests go one at a time, so a capture's order is the same on every run. It is a
recording tool, not a second simulator: flow control, cancellation and limits are left out.
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from tests.dev._capture_api import det_uuid
from tests.dev._capture_record import Message, Recorder, parse_body
from tests.dev._capture_time import VirtualClock, iso, parse_time

# How a scenario answers a waitForEvent: seconds until the event arrives and the event,
# or None to let the wait time out.
WaitAnswer = tuple[float, dict[str, Any]] | None
WaitResolver = Callable[[dict[str, Any]], WaitAnswer]
LAZY_OPS = frozenset({"DeferAdd", "DeferAbort"})
EVENT_TS = 1_893_456_000_000  # 2030-01-01T00:00:00Z in ms: trigger events carry a fixed time


@dataclass
class DriverOptions:
    """What the executor puts in `ctx`: Go sends both ids, which turns checkpointing on."""

    send_fn_id: bool = True
    send_qi_id: bool = True
    # Send `ctx.use_api: true` with empty `events`/`steps`: the SDK must read them from the API.
    use_api: bool = False
    # How error memos carry the stack: as the SDK sent it, as null, or without the key.
    error_stack: str = "keep"
    max_requests: int = 60
    timeout_s: float = 30.0


@dataclass
class Run:
    run_id: str
    fn_slug: str
    event: dict[str, Any]
    max_attempts: int
    steps: dict[str, Any] = field(default_factory=dict)
    stack: list[str] = field(default_factory=list)
    die: bool = False
    pending: set[str] = field(default_factory=set)
    planned: set[str] = field(default_factory=set)
    version: int = -1
    status: str = "Running"
    output: Any = None
    requests: int = 0
    checkpoints: int = 0
    discovery_queued: bool = False
    queue: deque[tuple[str, int]] = field(default_factory=deque)
    # A note per async op: what was asked and when the executor resolved it (virtual time).
    timeline: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "function": self.fn_slug,
            "status": self.status,
            "output": self.output,
            "sdk_requests": self.requests,
            "checkpoints": self.checkpoints,
            "timeline": self.timeline,
        }


@dataclass
class Executor:
    serve_url: str
    recorder: Recorder
    max_attempts: dict[str, int]  # function slug -> retries + 1, from the registration
    options: DriverOptions = field(default_factory=DriverOptions)
    resolve_wait: WaitResolver = lambda op: None
    clock: VirtualClock = field(default_factory=VirtualClock)
    runs: dict[str, Run] = field(default_factory=dict)
    _client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0))

    def close(self) -> None:
        self._client.close()

    # -- the API side: called on the stub's thread while a request to the app is open ----------

    def on_checkpoint(self, run_id: str, body: dict[str, Any]) -> None:
        run = self.runs.get(run_id)
        if run is None:
            return
        run.checkpoints += 1
        for op in body.get("steps", []):
            if op.get("op") == "StepRun":
                self._save(run, op["id"], {"data": op.get("data")})

    def run_state(self, run_id: str) -> tuple[list[Any], dict[str, Any]] | None:
        run = self.runs.get(run_id)
        if run is None:
            return None
        return [run.event], {sid: run.steps[sid] for sid in run.stack}

    # -- running ---------------------------------------------------------------------------------

    def start(self, fn_slug: str, event: dict[str, Any], run_id: str) -> Run:
        event = {"id": det_uuid(f"event:{run_id}"), "ts": EVENT_TS, **event}
        run = Run(run_id, fn_slug, event, self.max_attempts.get(fn_slug, 1))
        self.runs[run_id] = run
        run.queue.append(("step", 0))
        return run

    def drive(self, run: Run) -> Run:
        """Send requests and fire timers until the run ends (or the request cap is hit)."""
        while run.status == "Running":
            if run.queue:
                if run.requests >= self.options.max_requests:
                    run.status = "Aborted (request cap)"
                    break
                self._send(run, *run.queue.popleft())
            elif not self.clock.fire_next():
                run.status = "Stuck (nothing queued, no timer)"
        return run

    def _send(self, run: Run, step_id: str, attempt: int) -> None:
        run.requests += 1
        n = run.requests
        job_id = f"{run.run_id}:{n}"
        ctx: dict[str, Any] = {
            "run_id": run.run_id,
            "env": "dev",
            "step_id": step_id,
            "attempt": attempt,
            "max_attempts": run.max_attempts,
            "stack": {"stack": list(run.stack), "current": len(run.stack)},
            "request_id": f"req-{n}",
            "generation_id": 1,
            "job_id": job_id,
            "disable_immediate_execution": run.die,
            "use_api": self.options.use_api,
        }
        if self.options.send_fn_id:
            ctx["fn_id"] = det_uuid(f"fn:{run.fn_slug}")
        if self.options.send_qi_id:
            ctx["qi_id"] = base64.b64encode(f"{job_id}::shard-0".encode()).decode()
        events, steps = self.run_state(run.run_id) or ([], {})
        body = {
            "event": run.event,
            "events": [] if self.options.use_api else events,
            "steps": {} if self.options.use_api else steps,
            "ctx": ctx,
            "version": run.version,
            "use_api": False,
        }
        headers = {
            "content-type": "application/json",
            "x-run-id": run.run_id,
            "x-request-id": f"req-{n}",
            "x-inngest-generation-id": "1",
            "x-inngest-job-id": job_id,
            "x-inngest-step-id": step_id,
        }
        if run.version >= 0:
            headers["x-inngest-req-version"] = str(run.version)
        params = {"fnId": run.fn_slug, "stepId": step_id}
        seq = self.recorder.begin()
        response = self._client.post(
            self.serve_url, params=params, headers=headers, content=json.dumps(body)
        )
        reply = parse_body(response.content)
        self.recorder.record(
            seq,
            "executor->sdk",
            Message(method="POST", path="/api/inngest", query=params, headers=headers, body=body),
            Message(status=response.status_code, headers=dict(response.headers), body=reply),
            run_id=run.run_id,
        )
        version = response.headers.get("x-inngest-req-version", "")
        if version.isdigit():
            run.version = int(version)
        self._handle(run, step_id, attempt, response, reply)

    # -- answers ---------------------------------------------------------------------------------

    def _handle(
        self, run: Run, step_id: str, attempt: int, response: httpx.Response, reply: Any
    ) -> None:
        if response.status_code == 200:
            self._finish(run, "Completed", reply)
        elif response.status_code == 206 and isinstance(reply, list):
            self._ops(run, step_id, attempt, reply, response.headers.get("retry-after"))
        else:
            no_retry = response.headers.get("x-inngest-no-retry") == "true"
            if no_retry or attempt + 1 >= run.max_attempts:
                self._finish(run, "Failed", reply)
            else:
                self._note(run, "retry", step_id, retry_after=response.headers.get("retry-after"))
                run.queue.append((step_id, attempt + 1))

    def _ops(
        self,
        run: Run,
        step_id: str,
        attempt: int,
        ops: list[dict[str, Any]],
        retry_after: str | None,
    ) -> None:
        real = [op for op in ops if op.get("op") not in LAZY_OPS]
        if len(real) > 1:
            run.die = True
            run.pending |= {op["id"] for op in real if op.get("op") != "RunComplete"}
        # Waits first, as Go does, so an event sent by a later op in the same batch is seen.
        for op in sorted(real, key=lambda o: o.get("op") != "WaitForEvent"):
            self._op(run, step_id, attempt, op, retry_after)

    def _op(
        self, run: Run, step_id: str, attempt: int, op: dict[str, Any], retry_after: str | None
    ) -> None:
        kind, op_id = op.get("op"), op["id"]
        if kind == "RunComplete":
            self._finish(run, "Completed", op.get("data"))
        elif kind == "StepRun":
            self._done(run, op_id, {"data": op.get("data")})
        elif kind == "StepPlanned":
            if op_id not in run.planned and op_id not in run.steps:
                run.planned.add(op_id)
                run.queue.append((op_id, 0))
        elif kind == "StepError":
            self._note(run, "StepError", op_id, attempt=attempt, retry_after=retry_after)
            if attempt + 1 < run.max_attempts:
                run.queue.append((step_id, attempt + 1))
            else:
                self._done(run, op_id, {"error": self._error_memo(op.get("error"))})
        elif kind == "StepFailed":
            self._done(run, op_id, {"error": self._error_memo(op.get("error"))})
        elif kind == "Sleep":
            wake = parse_time(op.get("name", ""), self.clock.now)
            self._note(run, "Sleep", op_id, name=op.get("name"), wake=iso(wake))
            self.clock.at(wake, lambda: self._done(run, op_id, None))
        elif kind == "WaitForEvent":
            self._wait(run, op)
        elif kind == "InvokeFunction":
            self._invoke(run, op)
        else:
            self._finish(run, "Failed", {"error": f"unknown opcode {kind}"})

    def _wait(self, run: Run, op: dict[str, Any]) -> None:
        opts = op.get("opts") or {}
        timeout = parse_time(opts.get("timeout", ""), self.clock.now)
        answer = self.resolve_wait(op)
        if answer is None:
            when, memo = timeout, None
        else:
            when, memo = self.clock.now + timedelta(seconds=answer[0]), answer[1]
        self._note(run, "WaitForEvent", op["id"], timeout=iso(timeout), resolved=iso(when))
        self.clock.at(when, lambda: self._done(run, op["id"], memo))

    def _invoke(self, run: Run, op: dict[str, Any]) -> None:
        opts = op.get("opts") or {}
        fn_slug = opts.get("function_id", "")
        payload = opts.get("payload") or {}
        data = {
            **(payload.get("data") or {}),
            "_inngest": {
                "source_app_id": det_uuid("app:ts-app"),
                "source_fn_id": det_uuid(f"fn:{run.fn_slug}"),
                "source_fn_v": 1,
                "fn_id": fn_slug,
                "correlation_id": f"{run.run_id}.{op['id']}",
                "expire": 0,
                "gid": "",
                "name": op.get("displayName", ""),
            },
        }
        child = self.start(
            fn_slug, {"name": "inngest/function.invoked", "data": data}, f"{run.run_id}-child"
        )
        self.drive(child)
        key = "data" if child.status == "Completed" else "error"
        self._note(run, "InvokeFunction", op["id"], child=child.run_id, status=child.status)
        self._done(run, op["id"], {key: child.output})

    def _error_memo(self, error: Any) -> Any:
        """The op's error as Go stores it (`name`, `message`, `stack`), stack per the options."""
        if not isinstance(error, dict):
            return error
        memo = {k: error[k] for k in ("name", "message", "stack") if k in error}
        if self.options.error_stack == "null":
            memo["stack"] = None
        elif self.options.error_stack == "omit":
            memo.pop("stack", None)
        return memo

    # -- state -----------------------------------------------------------------------------------

    def _save(self, run: Run, step_id: str, memo: Any) -> None:
        """Store a step's memo; a repeat (a checkpointed step in the final 206) is ignored."""
        if step_id not in run.steps:
            run.steps[step_id] = memo
            run.stack.append(step_id)

    def _done(self, run: Run, step_id: str, memo: Any) -> None:
        """Save a step an answer or a timer finished; the last pending one queues one discovery.

        Checkpoints only save: the SDK goes on running the function in the same request, and
        that request's answer says what comes next.
        """
        self._save(run, step_id, memo)
        run.pending.discard(step_id)
        if not run.pending and run.status == "Running" and not self._discovery_queued(run):
            run.die = False
            run.queue.append(("step", 0))

    def _discovery_queued(self, run: Run) -> bool:
        return any(sid == "step" for sid, _ in run.queue)

    def _finish(self, run: Run, status: str, output: Any) -> None:
        run.status, run.output = status, output

    def _note(self, run: Run, what: str, step_id: str, **facts: Any) -> None:
        run.timeline.append({"at": iso(self.clock.now), "what": what, "id": step_id, **facts})
