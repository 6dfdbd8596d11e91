"""Steps that wait on the outside world, and runs cancelled by events.

``wait_for_event`` and ``cancel`` are pauses: an event name, a CEL condition over
``event`` (the run's trigger) and ``async`` (the candidate), and an expiry. An event
is offered to the pauses that exist when it arrives, in the order they were created:
a pause written later (by a run the same event starts, say) never sees it.
``invoke`` starts a child run and resumes the parent when the child ends.

``Pauses`` gives the run loop its ``WaitForEvent`` and ``InvokeFunction``
handlers (``Pauses.opcodes``) and listens to every run's start (cancellation
pauses) and end (a child answering, a run's pauses dropped).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument, UnknownFunctionError
from inngest_sim._protocol import (
    ProtocolError,
    error_memo,
    parse_time_or_duration,
)
from inngest_sim._runtime.lifecycle import lifecycle_events
from inngest_sim._server.cel import Expression
from inngest_sim._server.door import as_float64, out_of_range
from inngest_sim._server.events import INVOKED_EVENT, make_event
from inngest_sim._server.sessions import SessionError, resolve_sessions

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._engine.ports import Answer, OpHandler, RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._engine.scheduler import Timer
    from inngest_sim._protocol import Op
    from inngest_sim._server.registry import FunctionSpec, Registry

    InvokeAdmission = Callable[[RunOps, FunctionSpec, dict[str, Any]], bool]

__all__ = ["Pauses"]

YEAR = 365 * 86400.0
INVOKE_TIMEOUT_ERROR = {
    "name": "InngestInvokeTimeoutError",
    "message": "Timed out waiting for invoked function to complete",
}
# runner.go Initialize: an invoke the child's rate limit refuses fails the invoke step.
INVOKE_RATE_LIMITED_ERROR = {"name": "Error", "message": "invoked function is rate limited"}


@dataclasses.dataclass(eq=False)
class _Pause:
    run_id: str
    event_name: str
    condition: Expression | None
    trigger: dict[str, Any]
    on_match: Callable[[dict[str, Any]], None]

    def matches(self, event: dict[str, Any]) -> bool:
        """Whether ``event`` (one of this pause's name) meets its condition."""
        return self.condition is None or self.condition.matches(
            {"event": self.trigger, "async": event}
        )


class Pauses:
    """Wait-for-event, invoke and cancellation pauses of every run of one app."""

    def __init__(self, registry: Registry, admits: InvokeAdmission | None = None) -> None:
        self.registry = registry
        self._admits = admits  # whether an invoke may start its child (flow control's say)
        # By event name, each in creation order (a dict as an ordered set): an event is
        # offered only to the pauses on its name, and a pause leaves in O(1). A list of every
        # pause, scanned and searched per event, cost O(pauses²) for each event sent.
        self._pauses: dict[str, dict[_Pause, None]] = {}
        self._by_run: dict[str, dict[_Pause, None]] = {}  # to drop a run's pauses as it ends
        self._invocations: dict[str, tuple[str, Op, Timer]] = {}

    @property
    def opcodes(self) -> dict[str, OpHandler]:
        """The run loop's handlers for the opcodes that wait."""
        return {"WaitForEvent": self.wait_for_event, "InvokeFunction": self.invoke}

    # ------------------------------------------------------------- pauses
    def _pause(
        self,
        ops: RunOps,
        run: RunState,
        event_name: str,
        condition: str | None,
        timeout: float,
        on_match: Callable[[dict[str, Any]], None],
        on_timeout: Callable[[], None],
        where: str,
    ) -> None:
        compiled = Expression(condition, where=where) if condition else None

        def expire() -> None:
            if self._drop(pause):
                on_timeout()

        def matched(event: dict[str, Any]) -> None:
            timer.cancel()  # answered: its timeout must not pull (or show) time forward
            on_match(event)

        pause = _Pause(run.run_id, event_name, compiled, run.event, matched)
        self._pauses.setdefault(event_name, {})[pause] = None
        self._by_run.setdefault(run.run_id, {})[pause] = None
        timer = ops.call_for(run, ops.clock.now() + timeout, expire)

    def _drop(self, pause: _Pause) -> bool:
        """Take ``pause`` out; False when it was gone already (matched, expired or ended)."""
        waiting = self._pauses.get(pause.event_name, {})
        if pause not in waiting:
            return False
        for index, key in ((self._pauses, pause.event_name), (self._by_run, pause.run_id)):
            del index[key][pause]
            if not index[key]:
                del index[key]
        return True

    def on_event(self, event: dict[str, Any]) -> None:
        """Offer an event that just arrived to every pause on its name that exists now."""
        name = event.get("name")
        waiting = self._pauses.get(name, {}) if isinstance(name, str) else {}
        for pause in list(waiting):
            if pause in waiting and pause.matches(event):
                self._drop(pause)
                pause.on_match(event)

    # ------------------------------------------------------ wait_for_event
    def wait_for_event(self, ops: RunOps, answer: Answer, op: Op) -> None:
        run, opts = answer.item.run, op.opts or {}
        timeout = self._timeout(ops, run, op, opts.get("timeout"), default=None)
        if timeout is None:
            return
        detail = {"event": op.name, "if": opts.get("if")}
        ops.waiting(run, op, ops.clock.now() + timeout, detail)
        try:
            self._pause(
                ops,
                run,
                str(op.name),
                opts.get("if"),
                timeout,
                on_match=lambda event: ops.resume(run.run_id, op, event),
                on_timeout=lambda: ops.resume(run.run_id, op, None),
                where=f"step {op.key!r} of run {run.run_id}",
            )
        except InvalidArgument as exc:
            ops.fail(run, {"name": "InngestErrInvalidExpression", "message": str(exc)})

    def _timeout(
        self, ops: RunOps, run: RunState, op: Op, raw: Any, default: float | None
    ) -> float | None:
        if raw in (None, "") and default is not None:
            return default
        try:
            # A duration ("1h"), or an ISO instant (the TypeScript SDK writes a Date so).
            now = ops.clock.now()
            seconds = parse_time_or_duration(str(raw), now) - now if raw is not None else 0.0
        except ProtocolError as exc:
            ops.fail(run, {"name": "InngestErrInvalidTimeout", "message": str(exc)})
            return None
        if seconds > ops.config.limits.max_sleep_seconds:
            message = (
                f'The timeout of step "{op.key}" ({raw}) is more than one year; '
                "waits may last at most one year."
            )
            ops.fail(run, {"name": "InngestErrTimeoutTooLong", "message": message})
            return None
        return seconds

    # -------------------------------------------------------------- invoke
    def invoke(self, ops: RunOps, answer: Answer, op: Op) -> None:
        run, opts = answer.item.run, op.opts or {}
        beyond = out_of_range(opts)
        if beyond is not None:
            # Go reads the opcode's opts as float64 numbers (state.GeneratorOpcode) and fails
            # the run on one it cannot hold, before any child starts (seen on the Go server).
            message = (
                "error reading generator opcode response: json: cannot unmarshal number "
                f"{beyond} into Go struct field GeneratorOpcode.opts of type float64"
            )
            ops.fail(run, {"name": "Error", "message": message})
            return
        fn_id = str(opts.get("function_id", ""))
        try:
            spec = self.registry.get(fn_id)
        except UnknownFunctionError as exc:
            ops.resume(
                run.run_id, op, {"error": {"name": "InngestInvokeError", "message": str(exc)}}
            )
            return
        timeout = self._timeout(ops, run, op, opts.get("timeout"), default=YEAR)
        if timeout is None:
            return
        try:
            event = self._invoke_event(ops, run, op, spec, opts)
        except SessionError as exc:
            # executor.go: "invalid step.invoke sessions", a final error for the run.
            ops.fail(run, {"name": "Error", "message": f"invalid step.invoke sessions: {exc}"})
            return
        if self._admits is not None and not self._admits(ops, spec, event):
            ops.resume(run.run_id, op, {"error": dict(INVOKE_RATE_LIMITED_ERROR)})
            return
        child = ops.start_run(spec, [event], parent_run_id=run.run_id)
        detail = {"function_id": fn_id, "child_run_id": child.run_id}
        ops.waiting(run, op, ops.clock.now() + timeout, detail)

        def expire() -> None:
            if self._invocations.pop(child.run_id, None) is not None:
                ops.resume(run.run_id, op, {"error": dict(INVOKE_TIMEOUT_ERROR)})

        timer = ops.call_for(run, ops.clock.now() + timeout, expire)
        self._invocations[child.run_id] = (run.run_id, op, timer)

    def _invoke_event(
        self, ops: RunOps, run: RunState, op: Op, spec: FunctionSpec, opts: Mapping[str, Any]
    ) -> dict[str, Any]:
        payload = opts.get("payload") or {}
        data = dict(as_float64(payload.get("data") or {}))  # Go read the opts as float64s
        data["_inngest"] = {
            "fn_id": spec.id,
            "correlation_id": f"{run.run_id}.{op.id}",
            "source_app_id": run.spec.app_id or self.registry.app_id,
            "source_fn_id": run.spec.id,
        }
        event = make_event(INVOKED_EVENT, data, ops.ids, ops.clock.now())
        if payload.get("v") is not None:
            event["v"] = payload["v"]
        # The payload's session layers (the SDK stamps the parent's as propagated), merged.
        meta = resolve_sessions(payload.get("meta"))
        if meta is not None:
            event["meta"] = meta
        return event

    # ------------------------------------------------------ RunListener
    def run_started(self, ops: RunOps, run: RunState) -> None:
        """Register the function's ``cancel`` entries for a new run."""
        for entry in run.spec.config.get("cancel") or []:
            # A duration or an RFC 3339 instant (strtimeout.ParseTimeout), checked at sync.
            raw_timeout, now = entry.get("timeout"), ops.clock.now()
            timeout = parse_time_or_duration(str(raw_timeout), now) - now if raw_timeout else YEAR

            def cancel(_event: dict[str, Any], run: RunState = run) -> None:
                ops.cancel(run, "cancel event")  # ending the run drops its pauses and timers

            self._pause(
                ops,
                run,
                str(entry["event"]),
                entry.get("if"),
                timeout,
                on_match=cancel,
                on_timeout=lambda: None,
                where=f"cancel of function {run.spec.id!r}",
            )

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        for pause in list(self._by_run.get(run.run_id, ())):
            self._drop(pause)
        found = self._invocations.pop(run.run_id, None)
        if found is None:
            return
        parent_id, op, timeout = found
        timeout.cancel()  # the child answered: its timeout must not hold the clock
        if run.status == "Completed":
            memo: dict[str, Any] = {"data": run.output}
        elif run.status == "Cancelled":
            # state/pause.go GetResumeData: a function.finished with neither `error` nor
            # `result` (a cancelled child's) resumes the invoke with the whole event.
            finished = lifecycle_events(run, ops.clock.now(), ops.ids)[0]
            memo = {"data": {**finished, "user": {}}}
        else:
            error = run.error or {}
            memo = error_memo(
                {
                    "name": error.get("name", "Error"),
                    "message": error.get("message", f"invoked run {run.status.lower()}"),
                    "stack": error.get("stack"),
                }
            )
        ops.resume(parent_id, op, memo)
