"""assert_each_step_executed_once and assert_no_side_effects_outside_own_request."""

from __future__ import annotations

import pytest

from inngest_sim import FaultPlan, InvalidArgument
from inngest_sim.assertions import (
    GATHER_HINT,
    assert_each_step_executed_once,
    assert_no_side_effects_outside_own_request,
)
from inngest_sim.trace import StepAttempt

from ._app import fanned, gathered, run, sequential, waits
from ._traces import TraceBuilder


async def test_sequential_and_grouped_steps_execute_once() -> None:
    for fn in (sequential, fanned):
        result = await run(fn)
        assert_each_step_executed_once(result)
        assert_no_side_effects_outside_own_request(result)


async def test_gather_over_step_run_is_named_with_the_fix() -> None:
    result = await run(gathered)
    with pytest.raises(AssertionError) as info:
        assert_no_side_effects_outside_own_request(result)
    message = str(info.value)
    assert "s1 (body ran 2x, reported 1 attempt(s)), s2 (body ran 3x, reported 1 attempt(s))" in (
        message
    )
    assert GATHER_HINT in message
    assert "use ctx.group.parallel" in message
    # The table places each execution in its request: s2 ran in all three.
    assert "  s2    ok@0 #3" in message
    assert "3: #1 #2 #3" in message
    assert "s0 " not in message.split("timeline")[0].split(GATHER_HINT)[1]


async def test_gather_also_breaks_executed_once() -> None:
    result = await run(gathered)
    with pytest.raises(AssertionError, match=r"2 of 3 steps matching '\*' in run .* did not"):
        assert_each_step_executed_once(result)
    assert_each_step_executed_once(result, pattern="s0")


async def test_a_lose_response_needs_allow_lost() -> None:
    plan = FaultPlan()
    plan.lose_response(step="a", attempts=[0])
    result = await run(sequential, faults=plan)

    with pytest.raises(AssertionError) as info:
        assert_each_step_executed_once(result)
    message = str(info.value)
    assert "1 of 2 steps matching '*'" in message
    assert "lose_response@0 (rule-1)" in message
    assert "pass allow_lost=True" in message
    assert "fault lose_response from rule rule-1" in message  # the timeline
    assert "a                            retry in 15s (backoff), attempt 1" in message

    assert_each_step_executed_once(result, allow_lost=True)
    # The lost answer was an at-least-once redelivery, not a body outside its request.
    assert_no_side_effects_outside_own_request(result)


async def test_allow_lost_still_bounds_the_executions() -> None:
    result = await run(gathered)
    with pytest.raises(AssertionError, match="allowing lost responses"):
        assert_each_step_executed_once(result, allow_lost=True)


async def test_raises_after_reruns_are_allowed_and_reported_attempts() -> None:
    plan = FaultPlan()
    plan.raises_after(ConnectionResetError("socket closed"), step="image-1", first=1)
    result = await run(fanned, faults=plan)

    with pytest.raises(AssertionError, match=r"raises_after@0 \(rule-1\)"):
        assert_each_step_executed_once(result, pattern="image-*")
    assert_each_step_executed_once(result, pattern="image-*", allow_lost=True)
    assert_no_side_effects_outside_own_request(result)


async def test_replaced_bodies_do_not_count_and_failed_steps_are_skipped() -> None:
    plan = FaultPlan()
    plan.raises(ConnectionError("down"), step="image-0", first=2)
    plan.raises(ConnectionError("down"), step="image-2")  # exhausts its retries
    result = await run(fanned, faults=plan)
    assert result.steps["image-2"].outcome == "failed"
    assert_each_step_executed_once(result)


async def test_sleeps_waits_and_invokes_have_no_body_to_count() -> None:
    result = await run(waits)
    assert result.status == "Completed"
    assert_each_step_executed_once(result)  # "nap", "child" and "reply" are not step.run
    assert_no_side_effects_outside_own_request(result)
    assert result.steps["announce"].executions == 1  # send_event is a step.run inside
    with pytest.raises(AssertionError, match=r"no step\.run step of run .* matches 'nap'"):
        assert_each_step_executed_once(result, pattern="nap")


async def test_a_pattern_that_matches_nothing_fails_loudly() -> None:
    result = await run(sequential)
    with pytest.raises(
        AssertionError, match=r"no step\.run step of run .* matches 'image-\*'; its steps: a, b"
    ):
        assert_each_step_executed_once(result, pattern="image-*")


def test_without_the_probe_executions_cannot_be_counted() -> None:
    builder = TraceBuilder()
    builder.respond(builder.request(None), "a")
    result = builder.end()
    with pytest.raises(AssertionError, match="no body was observed"):
        assert_each_step_executed_once(result)
    with pytest.raises(AssertionError, match=r"not Simulator\.from_url"):
        assert_no_side_effects_outside_own_request(result)


def test_anything_but_a_run_result_is_rejected() -> None:
    with pytest.raises(InvalidArgument, match=r"run=\[\] \(type=list\) is not a RunResult"):
        assert_each_step_executed_once([])  # type: ignore[arg-type]


def test_step_attempt_is_the_record_the_counts_come_from() -> None:
    # Guard the assumption the helpers rely on: attempts carry their outcome.
    assert "outcome" in StepAttempt.__dataclass_fields__
