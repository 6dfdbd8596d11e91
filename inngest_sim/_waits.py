"""Steps that wait on the outside world, and runs cancelled by events.

``wait_for_event`` and ``cancel`` are pauses: an event name, a CEL condition over
``event`` (the run's trigger) and ``async`` (the candidate), and an expiry.
``invoke`` starts a child run and resumes the parent when the child ends.
Only events that arrive *after* a pause was registered can match it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._cel import Expression
from inngest_sim._errors import InvalidArgument, UnknownFunctionError
from inngest_sim._events import INVOKED_EVENT
from inngest_sim._protocol import Op, ProtocolError, parse_duration

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._executor import Executor
    from inngest_sim._registry import FunctionSpec, Registry
    from inngest_sim._run import RunState, WorkItem
    from inngest_sim._scheduler import Timer

__all__ = ["Waits"]

YEAR = 365 * 86400.0
INVOKE_TIMEOUT_ERROR = {
    "name": "InngestInvokeTimeoutError",
    "message": "Timed out waiting for invoked function to complete",
}


@dataclasses.dataclass(eq=False)
class _Pause:
    run_id: str
    event_name: str
    condition: Expression | None
    trigger: dict[str, Any]
    after_seq: int
    on_match: Callable[[dict[str, Any]], None]

    def matches(self, event: dict[str, Any], seq: int) -> bool:
        if seq <= self.after_seq or event.get("name") != self.event_name:
            return False
        return self.condition is None or self.condition.matches(
            {"event": self.trigger, "async": event}
        )


class Waits:
    def __init__(self, executor: Executor, registry: Registry) -> None:
        self.executor = executor
        self.registry = registry
        self._pauses: list[_Pause] = []
        self._invocations: dict[str, tuple[str, Op, Timer]] = {}
        executor.async_ops["WaitForEvent"] = self.wait_for_event
        executor.async_ops["InvokeFunction"] = self.invoke
        executor.on_run_end.append(self._child_ended)
        executor.on_run_end.append(lambda run: self.drop_run(run.run_id))

    # ------------------------------------------------------------- pauses
    def _pause(
        self,
        run: RunState,
        event_name: str,
        condition: str | None,
        timeout: float,
        on_match: Callable[[dict[str, Any]], None],
        on_timeout: Callable[[], None],
        where: str,
    ) -> None:
        compiled = Expression(condition, where=where) if condition else None
        pause = _Pause(
            run.run_id,
            event_name,
            compiled,
            run.event,
            self.executor.trace.next_seq,
            on_match,
        )
        self._pauses.append(pause)

        def expire() -> None:
            if pause in self._pauses:
                self._pauses.remove(pause)
                on_timeout()

        self.executor.call_for(run, self.executor.clock.now() + timeout, expire)

    def on_event(self, event: dict[str, Any], seq: int) -> None:
        """Offer an event that arrived at trace position ``seq`` to every pause."""
        for pause in list(self._pauses):
            if pause in self._pauses and pause.matches(event, seq):
                self._pauses.remove(pause)
                pause.on_match(event)

    def drop_run(self, run_id: str) -> None:
        self._pauses = [p for p in self._pauses if p.run_id != run_id]

    # ------------------------------------------------------ wait_for_event
    def wait_for_event(self, item: WorkItem, op: Op) -> None:
        run, opts = item.run, op.opts or {}
        timeout = self._timeout(run, op, opts.get("timeout"), default=None)
        if timeout is None:
            return
        self.executor.waiting(
            run, op, self.executor.clock.now() + timeout, {"event": op.name, "if": opts.get("if")}
        )
        try:
            self._pause(
                run,
                str(op.name),
                opts.get("if"),
                timeout,
                on_match=lambda event: self.executor.resume(run.run_id, op, event),
                on_timeout=lambda: self.executor.resume(run.run_id, op, None),
                where=f"step {op.key!r} of run {run.run_id}",
            )
        except InvalidArgument as exc:
            self.executor.fail(run, {"name": "InngestErrInvalidExpression", "message": str(exc)})

    def _timeout(self, run: RunState, op: Op, raw: Any, default: float | None) -> float | None:
        if raw in (None, "") and default is not None:
            return default
        try:
            seconds = parse_duration(str(raw)) if raw not in (None, "") else 0.0
        except ProtocolError as exc:
            self.executor.fail(run, {"name": "InngestErrInvalidTimeout", "message": str(exc)})
            return None
        if seconds > self.executor.limits.max_sleep_seconds:
            self.executor.fail(
                run,
                {
                    "name": "InngestErrTimeoutTooLong",
                    "message": (
                        f'The timeout of step "{op.key}" ({raw}) is more than one year; '
                        "waits may last at most one year."
                    ),
                },
            )
            return None
        return seconds

    # -------------------------------------------------------------- invoke
    def invoke(self, item: WorkItem, op: Op) -> None:
        run, opts = item.run, op.opts or {}
        fn_id = str(opts.get("function_id", ""))
        try:
            spec = self.registry.get(fn_id)
        except UnknownFunctionError as exc:
            error = {"name": "InngestInvokeError", "message": str(exc)}
            self.executor.resume(run.run_id, op, {"error": error})
            return
        timeout = self._timeout(run, op, opts.get("timeout"), default=YEAR)
        if timeout is None:
            return
        child = self.executor.start_run(
            spec, [self._invoke_event(run, op, spec, opts)], parent_run_id=run.run_id
        )
        self.executor.waiting(
            run,
            op,
            self.executor.clock.now() + timeout,
            {"function_id": fn_id, "child_run_id": child.run_id},
        )

        def expire() -> None:
            if self._invocations.pop(child.run_id, None) is not None:
                self.executor.resume(run.run_id, op, {"error": dict(INVOKE_TIMEOUT_ERROR)})

        timer = self.executor.call_for(run, self.executor.clock.now() + timeout, expire)
        self._invocations[child.run_id] = (run.run_id, op, timer)

    def _invoke_event(
        self, run: RunState, op: Op, spec: FunctionSpec, opts: Mapping[str, Any]
    ) -> dict[str, Any]:
        payload = opts.get("payload") or {}
        now = self.executor.clock.now()
        data = dict(payload.get("data") or {})
        data["_inngest"] = {
            "fn_id": spec.id,
            "correlation_id": f"{run.run_id}.{op.id}",
            "source_app_id": self.registry.app_id,
            "source_fn_id": run.spec.id,
        }
        event: dict[str, Any] = {
            "name": INVOKED_EVENT,
            "data": data,
            "id": self.executor.ids.ulid(now),
            "ts": int(now * 1000),
            "user": {},
        }
        if payload.get("v") is not None:
            event["v"] = payload["v"]
        return event

    def _child_ended(self, child: RunState) -> None:
        found = self._invocations.pop(child.run_id, None)
        if found is None:
            return
        parent_id, op, timeout = found
        timeout.cancel()  # the child answered: its timeout must not hold the clock
        if child.status == "Completed":
            memo: dict[str, Any] = {"data": child.output}
        else:
            error = child.error or {}
            memo = {
                "error": {
                    "name": error.get("name", "Error"),
                    "message": error.get("message", f"invoked run {child.status.lower()}"),
                    "stack": error.get("stack"),
                }
            }
        self.executor.resume(parent_id, op, memo)

    # -------------------------------------------------------- cancellation
    def watch_cancellation(self, run: RunState, cancel_on: list[dict[str, Any]]) -> None:
        """Register the function's ``cancel`` entries for a new run."""
        for entry in cancel_on:
            raw_timeout = entry.get("timeout")
            timeout = parse_duration(str(raw_timeout)) if raw_timeout else YEAR

            def cancel(_event: dict[str, Any], run: RunState = run) -> None:
                self.cancel(run, reason="cancel event")

            self._pause(
                run,
                str(entry["event"]),
                entry.get("if"),
                timeout,
                on_match=cancel,
                on_timeout=lambda: None,
                where=f"cancel of function {run.spec.id!r}",
            )

    def cancel(self, run: RunState, *, reason: str) -> None:
        # Ending the run drops its pauses and cancels its timers.
        self.executor.cancel(run, reason)
