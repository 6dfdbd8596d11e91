"""Hand-built traces for shapes a real run rarely produces."""

from __future__ import annotations

from typing import Any, TypeVar

from inngest_sim import RunResult, Trace
from inngest_sim.trace import (
    Record,
    RequestSent,
    ResponseHandled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
)

R = TypeVar("R", bound=Record)
RUN_ID = "run-1"


class TraceBuilder:
    """Appends records of one run with increasing ``seq``; ``t`` moves with :meth:`at`."""

    def __init__(self) -> None:
        self.trace = Trace()
        self.t = 1_800_000_000.0
        self.add(RunQueued, function_id="hand-built", event={"name": "t/hand", "data": {}})

    def at(self, seconds: float) -> TraceBuilder:
        self.t = 1_800_000_000.0 + seconds
        return self

    def add(self, kind: type[R], **fields: Any) -> R:
        record = kind(seq=self.trace.next_seq, t=self.t, wall=0.0, run_id=RUN_ID, **fields)
        self.trace.append(record)
        return record

    def request(self, target: str | None, attempt: int = 0) -> RequestSent:
        n = len(self.trace.of(RequestSent)) + 1
        return self.add(
            RequestSent,
            request_id=f"{RUN_ID}-{n}",
            step_id=target or "step",
            target=target,
            attempt=attempt,
            disable_immediate_execution=target is not None,
            use_api=False,
        )

    def respond(self, sent: RequestSent, step: str, outcome: str = "ok") -> None:
        op = "StepRun" if outcome == "ok" else "StepError"
        self.add(
            ResponseHandled,
            request_id=sent.request_id,
            status=200 if outcome == "ok" else 206,
            ops=[f"{op}:{step}"],
            error=None,
            wall_seconds=0.0,
            body_bytes=10,
        )
        self.add(
            StepAttempt,
            request_id=sent.request_id,
            step=step,
            step_hash=step,
            attempt=sent.attempt,
            outcome=outcome,
            start=sent.t,
            start_seq=sent.seq,
            wall_seconds=0.0,
        )
        if outcome == "ok":
            saved = len(self.trace.of(StepSaved)) + 1
            self.add(
                StepSaved,
                step=step,
                step_hash=step,
                op=op,
                memo="1",
                bytes=10,
                state_bytes=10 * saved,
                step_count=saved,
            )

    def end(self, status: str = "Completed", **fields: Any) -> RunResult:
        saved = self.trace.of(StepSaved)
        self.add(
            RunEnded,
            function_id="hand-built",
            status=status,
            step_count=len(saved),
            state_bytes=saved[-1].state_bytes if saved else 0,
            **fields,
        )
        return RunResult(self.trace, RUN_ID)

    def result(self) -> RunResult:
        return RunResult(self.trace, RUN_ID)
