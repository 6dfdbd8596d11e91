"""What the capture harness plays against the TypeScript app: one entry per fixture."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.dev._capture_api import CHECKPOINT_OK, CheckpointAnswer
from tests.dev._capture_executor import DriverOptions, WaitAnswer

APP = "ts-app"
_FAR_FUTURE_MS = 1_924_992_000_000  # 2031-01-01T00:00:00Z


def _event(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "data": data, "id": f"waited-{name}", "ts": _FAR_FUTURE_MS}


@dataclass(frozen=True)
class Scenario:
    name: str
    function: str  # the function id inside the app; the slug is "ts-app-<function>"
    trigger: str
    data: dict[str, Any]
    about: str
    # The wait answer for every waitForEvent of the run (None: let it time out).
    wait: WaitAnswer = None
    checkpoint_answer: CheckpointAnswer = CHECKPOINT_OK
    event_failures: int = 0
    event_failure_status: int = 500
    driver: DriverOptions = field(default_factory=DriverOptions)
    # Edge probes only run where they mean something (checkpoint answers need checkpointing).
    modes: tuple[str, ...] = ("checkpoint", "classic")

    @property
    def slug(self) -> str:
        return f"{APP}-{self.function}"


_CHECKPOINT_ONLY = ("checkpoint",)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("sequential", "sequential", "ts/sequential", {"n": 1}, "two dependent step.run"),
    Scenario(
        "fanout",
        "fanout",
        "ts/fanout",
        {"count": 12, "chunk": 5},
        "12 step.run in Promise.all chunks of 5, then persist",
    ),
    Scenario("flaky", "flaky", "ts/flaky", {"failures": 2}, "a step failing attempts 0 and 1"),
    Scenario(
        "flaky_retry_after",
        "flaky",
        "ts/flaky",
        {"failures": 1, "retryAfter": "30s"},
        "a step throwing RetryAfterError('30s') on attempt 0",
    ),
    Scenario(
        "non_retriable_step",
        "non-retriable",
        "ts/non-retriable",
        {"where": "step"},
        "NonRetriableError thrown inside step.run",
    ),
    Scenario(
        "non_retriable_function",
        "non-retriable",
        "ts/non-retriable",
        {"where": "function"},
        "NonRetriableError thrown by the function body",
    ),
    Scenario(
        "function_error",
        "function-errors",
        "ts/function-errors",
        {"kind": "plain"},
        "a plain Error thrown by the function body on every attempt (retries 2)",
    ),
    Scenario(
        "function_retry_after_date",
        "function-errors",
        "ts/function-errors",
        {"kind": "retry-after-date"},
        "RetryAfterError with a Date thrown by the function body on every attempt (retries 2)",
    ),
    Scenario(
        "catch_step_error",
        "catch-step-error",
        "ts/catch",
        {},
        "a step failing for good; the function catches the StepError rebuilt from the memo",
    ),
    Scenario(
        "sleeps",
        "sleeps",
        "ts/sleeps",
        {},
        'step.sleep "3d", 90_000 ms, 0; sleepUntil a Date; then a step',
    ),
    Scenario(
        "wait_matched",
        "wait-for-approval",
        "ts/approval.requested",
        {"id": "A-1"},
        "waitForEvent(match data.id, timeout Date) resolved by a ts/approval event after 60 s",
        wait=(60.0, _event("ts/approval", {"id": "A-1", "by": "lead"})),
    ),
    Scenario(
        "wait_timeout",
        "wait-for-approval",
        "ts/approval.requested",
        {"id": "A-2"},
        "the same wait, timed out at its ISO deadline",
    ),
    Scenario("send_event", "send-followup", "ts/send", {"from": "capture"}, "step.sendEvent"),
    Scenario(
        "invoke", "invoker", "ts/invoke", {"n": 21}, "step.invoke with a Date timeout; child runs"
    ),
    Scenario(
        "mixed",
        "mixed",
        "ts/mixed",
        {},
        "Promise.all of step.run, sleep 30s, waitForEvent(if, 1h) matched after 10 s",
        wait=(10.0, _event("ts/mixed.signal", {"ok": True})),
    ),
    # Edge probes of checkpointing (the app's default mode only).
    Scenario(
        "checkpoint_404",
        "sequential",
        "ts/sequential",
        {"n": 1},
        "every checkpoint answered 404 (an executor that does not serve the endpoint)",
        checkpoint_answer=(404, {"error": "not found", "status": 404}),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "checkpoint_409",
        "sequential",
        "ts/sequential",
        {"n": 1},
        "checkpoint answered 409 (the Go server's stale-dispatch answer)",
        checkpoint_answer=(409, {"error": "stale dispatch", "data": {}, "status": 409}),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "checkpoint_413",
        "sequential",
        "ts/sequential",
        {"n": 1},
        "checkpoint answered 413 (the Go server's answer to a step output or state over limit)",
        checkpoint_answer=(413, {"error": "step output too large", "data": {}, "status": 413}),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "no_qi_id",
        "sequential",
        "ts/sequential",
        {"n": 1},
        "ctx.fn_id sent without ctx.qi_id",
        driver=DriverOptions(send_qi_id=False),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "no_fn_id",
        "fanout",
        "ts/fanout",
        {"count": 12, "chunk": 5},
        "the fan-out with ctx.fn_id and ctx.qi_id omitted (the executor-side switch)",
        driver=DriverOptions(send_fn_id=False, send_qi_id=False),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "use_api",
        "sequential",
        "ts/sequential",
        {"n": 1},
        "ctx.use_api: true with empty events and steps: the SDK reads the run-state API",
        driver=DriverOptions(use_api=True),
    ),
    Scenario(
        "error_memo_stack_null",
        "catch-step-error",
        "ts/catch",
        {},
        'the caught step error when the executor stores the memo with "stack": null',
        driver=DriverOptions(error_stack="null"),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "error_memo_stack_omitted",
        "catch-step-error",
        "ts/catch",
        {},
        "the caught step error when the executor stores the memo without a stack key",
        driver=DriverOptions(error_stack="omit"),
        modes=_CHECKPOINT_ONLY,
    ),
    Scenario(
        "event_api_400",
        "send-followup",
        "ts/send",
        {"from": "capture"},
        "step.sendEvent whose first two Event API posts get 400",
        event_failures=2,
        event_failure_status=400,
        modes=_CHECKPOINT_ONLY,
    ),
)
