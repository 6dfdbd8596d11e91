"""Comparisons that name the first difference, and checks that a scenario did its job."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._harness import Outcome

# Headers that legitimately differ between two runs of the SDK's handler
# (timings) or between a Starlette response and a direct one (length framing).
VOLATILE_HEADERS = frozenset({b"server-timing", b"content-length"})


def assert_same(expected: Sequence[Any], got: Sequence[Any], what: str) -> None:
    __tracebackhide__ = True
    for index, (left, right) in enumerate(zip(expected, got, strict=False)):
        assert right == left, f"{what} {index} differs:\n  stock: {left!r}\n  lever: {right!r}"
    assert len(got) == len(expected), f"{len(expected)} {what}s, then {len(got)}"
    assert expected, f"no {what}s recorded: the comparison would prove nothing"


# A streamed (201) answer carries the inner response's headers in its body.
_TIMING_IN_BODY = re.compile(rb'"server-timing": "[^"]*"')


def _untimed(body: bytes) -> bytes:
    # A streamed answer also opens with a keep-alive space unless the SDK's call task
    # finished before the stream started: task scheduling, on either path.
    return _TIMING_IN_BODY.sub(b'"server-timing": ""', body).lstrip(b" ")


def with_bodies_apart(trace: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trace without seq numbers: every other record in order, then the bodies sorted.

    A sync function's parallel bodies run in the SDK's worker threads, and the probe writes
    their ``body_executed`` records when the threads reach them, among the records of
    requests still being sent: a known gap in determinism (docs/architecture.md,
    "Determinism"), not a difference the levers make. The bodies are still compared, as a
    sorted list.
    """

    def plain(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "seq"}

    bodies = [plain(r) for r in trace if r["kind"] == "body_executed"]
    others = [plain(r) for r in trace if r["kind"] != "body_executed"]
    return others + sorted(bodies, key=lambda r: (r["run_id"], r["step"], r["attempt"], r["t"]))


def without_body_sizes(trace: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trace records without ``body_bytes``: a streamed body's size varies by its timings."""
    return [{k: v for k, v in record.items() if k != "body_bytes"} for record in trace]


def without_volatile(
    responses: list[tuple[int, list[tuple[bytes, bytes]], bytes]],
) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    return [
        (status, [(k, v) for k, v in headers if k.lower() not in VOLATILE_HEADERS], _untimed(body))
        for status, headers, body in responses
    ]


def without_timings(
    responses: list[tuple[int, list[tuple[bytes, bytes]], bytes]],
) -> list[tuple[int, list[tuple[bytes, bytes]], bytes]]:
    """Responses without ``Server-Timing``: its durations are real time, which varies."""
    return [
        (status, [(k, v) for k, v in headers if k.lower() != b"server-timing"], _untimed(body))
        for status, headers, body in responses
    ]


def _kinds(outcome: Outcome) -> list[str]:
    return [record["kind"] for record in outcome.trace]


def _ops(outcome: Outcome) -> str:
    return " ".join(str(r.get("ops")) for r in outcome.trace if r["kind"] == "response_handled")


# What each scenario must have shown in its stock run, so that a match means something.
def exercised(name: str, outcome: Outcome) -> None:
    __tracebackhide__ = True
    kinds, ops = _kinds(outcome), _ops(outcome)
    ended = [r["status"] for r in outcome.trace if r["kind"] == "run_ended"]
    checks = {
        "sequential": ended == ["Completed"] and ops.count("StepRun") == 30,
        "parallel_groups": ended == ["Completed"] and "StepPlanned" in ops,
        "retries_and_errors": ended == ["Completed", "Failed", "Failed"] and "StepFailed" in ops,
        "time_and_events": "Sleep" in ops and "WaitForEvent" in ops and "InvokeFunction" in ops,
        "large_outputs": any(r.get("use_api") for r in outcome.trace) and "Failed" in ended,
        "sync_functions": ended == ["Completed"] and "retry_scheduled" in kinds,
        "faults": ended == ["Completed"] and kinds.count("fault_applied") >= 4,
        "signed_cloud": ended == ["Completed"]
        and all(b"x-inngest-signature" in dict(h) for s, h, _ in outcome.responses[1:]),
    }
    assert checks[name], f"scenario {name!r} did not exercise what it is named for: {kinds}"
