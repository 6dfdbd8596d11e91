"""Signals: ``step.waitForSignal`` (opcode ``WaitForSignal``) and the signals that end it.

As the Go server does (``executor.go handleGeneratorWaitForSignal`` and ``ResumeSignal``,
``redis_state/lua/savePause.lua``, ``apiv1/signals.go``):

* a wait is a pause on one signal name, for ``opts.timeout`` (a duration or an ISO
  instant; a year when empty). Unlike sleeps and event waits, it has no 366-day cap;
* a signal name has one waiter at a time. A second wait on it fails its run at once,
  without retries (``conflict: "fail"``, the default); ``conflict: "replace"`` takes the
  name over, and the earlier waiter is left to time out;
* a signal resumes the waiter with ``{"data": {"signal": name, "data": data}}`` and
  answers the waiting run's id; with no live waiter it resumes nothing (the API's 404);
* a wait that times out resumes with ``null``.

``Signals.opcodes`` gives the run loop its ``WaitForSignal`` handler; ``Signals.receive``
is what the API (``POST /v1/signals``) and ``Simulator.signal`` call, on the loop.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._protocol import ProtocolError, parse_time_or_duration
from inngest_sim.trace import SignalSent

if TYPE_CHECKING:
    from inngest_sim._engine.ports import Answer, OpHandler, RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._engine.scheduler import Timer
    from inngest_sim._protocol import Op

__all__ = ["SIGNAL_CONFLICT_ERROR", "Signals"]

#: The run failure a second waiter on a signal gets (``executor.go``: WrapInStandardError).
SIGNAL_CONFLICT_ERROR = {
    "name": "Error",
    "message": "Signal conflict; signal wait already exists for another run",
    "error": "Error: Signal conflict; signal wait already exists for another run",
}
#: An empty timeout waits this long (``SignalOpts.Expires``: ``AddDate(1, 0, 0)``).
_DEFAULT_TIMEOUT = 365 * 86400.0


@dataclasses.dataclass(eq=False)
class _Wait:
    run_id: str
    op: Op
    until: float
    timer: Timer | None = None


class Signals:
    """The signal waits of every run, by signal name."""

    def __init__(self) -> None:
        self._waits: dict[str, _Wait] = {}
        # The names each run waited on, so its end frees them without a scan of every wait
        # (which every run's end paid: O(waits) each).
        self._names: dict[str, set[str]] = {}

    @property
    def opcodes(self) -> dict[str, OpHandler]:
        """The run loop's handler for the opcode that waits for a signal."""
        return {"WaitForSignal": self.wait}

    def wait(self, ops: RunOps, answer: Answer, op: Op) -> None:
        run, opts = answer.item.run, op.opts or {}
        signal = opts.get("signal")
        now = ops.clock.now()
        try:
            if not isinstance(signal, str) or not signal:
                raise ProtocolError("opts.signal is empty: a signal wait needs a signal name")
            raw = opts.get("timeout")
            until = parse_time_or_duration(str(raw), now) if raw else now + _DEFAULT_TIMEOUT
        except ProtocolError as exc:
            # The server cannot read the op: the request failed, as any attempt can.
            run.seen_ops.discard(op.id)
            message = f"{answer.describe()}: WaitForSignal op {op.key!r}: {exc}"
            error = {"name": "ProtocolError", "message": message}
            ops.retry_or_fail(answer.item, error, False, None)
            return
        current = self._waits.get(signal)
        if current is not None and current.until <= now:
            current = None  # expired: its timer is about to resume it with null
        if current is not None and opts.get("conflict") != "replace":
            ops.fail(run, dict(SIGNAL_CONFLICT_ERROR))
            return
        detail = {"signal": signal, "conflict": opts.get("conflict") or "fail"}
        ops.waiting(run, op, until, detail)
        wait = _Wait(run.run_id, op, until)
        wait.timer = ops.call_for(run, until, lambda: self._expire(ops, signal, wait))
        self._waits[signal] = wait
        self._names.setdefault(run.run_id, set()).add(signal)

    def _expire(self, ops: RunOps, signal: str, wait: _Wait) -> None:
        if self._waits.get(signal) is wait:
            del self._waits[signal]
        ops.resume(wait.run_id, wait.op, None)

    def receive(self, ops: RunOps, signal: str, data: Any, source: str) -> str | None:
        """Resume the run waiting for ``signal``; its id, or None when nobody waits."""
        wait = self._waits.get(signal)
        run = ops.run(wait.run_id) if wait is not None else None
        if wait is None or run is None or not run.running or wait.until <= ops.clock.now():
            ops.recorder.record(SignalSent, signal=signal, run_id=None, source=source)
            return None
        del self._waits[signal]
        if wait.timer is not None:
            wait.timer.cancel()  # answered: its timeout must not hold the clock
        ops.recorder.record(SignalSent, signal=signal, run_id=wait.run_id, source=source)
        ops.resume(wait.run_id, wait.op, {"data": {"signal": signal, "data": data}})
        return wait.run_id

    # ------------------------------------------------------ RunListener
    def run_started(self, ops: RunOps, run: RunState) -> None:
        return None

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        """A run that ended waits for nothing: its signal names are free again."""
        for signal in self._names.pop(run.run_id, ()):
            wait = self._waits.get(signal)
            if wait is not None and wait.run_id == run.run_id:
                del self._waits[signal]
