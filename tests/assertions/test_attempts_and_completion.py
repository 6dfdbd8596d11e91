"""assert_attempts and assert_completed."""

from __future__ import annotations

import pytest

from inngest_sim import FaultPlan, InvalidArgument
from inngest_sim.assertions import assert_attempts, assert_completed

from ._app import fanned, refuses, run, sequential
from ._traces import TraceBuilder


async def test_attempt_outcomes_match_the_fault_plan() -> None:
    plan = FaultPlan()
    plan.raises(ConnectionError("provider down"), step="image-1", first=2)
    result = await run(fanned, faults=plan)

    assert_attempts(result, "image-1", ["error", "error", "ok"])
    assert_attempts(result, "image-0", ["ok"])


async def test_a_mismatch_shows_the_step_its_faults_and_its_timeline() -> None:
    plan = FaultPlan()
    plan.raises(ConnectionError("provider down"), step="image-1", first=2)
    result = await run(fanned, faults=plan)

    with pytest.raises(AssertionError) as info:
        assert_attempts(result, "image-1", ["error", "ok"])
    message = str(info.value)
    first_line = message.splitlines()[0]
    assert first_line.startswith("step 'image-1' of run ")
    assert first_line.endswith(
        "of 'assertions-fanned' (Completed): expected attempts ['error', 'ok'], "
        "got ['error', 'error', 'ok']"
    )
    assert "error@0 #3, error@1 #5, ok@2 #6" in message
    assert "raises@0 (rule-1), raises@1 (rule-1)" in message
    assert "timeline of image-1:" in message
    assert "image-1                      attempt 0  error  ConnectionError: provider down" in (
        message
    )
    # Only the asked-about step is in the timeline.
    assert "image-0" not in message


async def test_an_unknown_step_lists_the_known_ones() -> None:
    result = await run(sequential)
    with pytest.raises(AssertionError, match=r"matches 'c'; its steps: a, b"):
        assert_attempts(result, "c", ["ok"])


async def test_unknown_outcomes_are_a_usage_error() -> None:
    result = await run(sequential)
    with pytest.raises(InvalidArgument, match=r"\['retried'\] not in \['ok', 'error', 'failed'\]"):
        assert_attempts(result, "a", ["retried", "ok"])


async def test_assert_completed_passes_on_a_completed_run() -> None:
    assert_completed(await run(sequential))


async def test_a_failed_run_shows_its_error_and_timeline() -> None:
    result = await run(refuses)
    with pytest.raises(AssertionError) as info:
        assert_completed(result)
    message = str(info.value)
    assert "of 'assertions-refuses' (Failed) ended Failed, expected Completed" in message
    assert "  NonRetriableError: sensitive content" in message
    assert "timeline:\n+       0s  run " in message
    assert "  last step body to run: 'moderate' (attempt 0)" in message
    assert '    File "' in message  # the innermost frames of the stack
    assert 'raise inngest.NonRetriableError("sensitive content")' in message
    assert message.rstrip().endswith("Failed: NonRetriableError: sensitive content")


def test_a_running_run_says_to_wait_for_it() -> None:
    builder = TraceBuilder()
    builder.request(None)
    with pytest.raises(AssertionError, match=r"\(Running\) is still running: await sim.run"):
        assert_completed(builder.result())
