"""Property tests in the simulator with drawn fault plans, events and seeds."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from inngest_sim.assertions import (
    assert_attempts,
    assert_completed,
    assert_each_step_executed_once,
    assert_max_concurrency,
)
from inngest_sim.strategies import (
    GeneratedFaultPlan,
    InjectedFault,
    events,
    explain,
    fault_plans,
    seeds,
)

from ._app import RETRIES, STEPS, simulate

FAST = settings(max_examples=25, deadline=None, derandomize=True, database=None)


@FAST
@given(count=st.integers(min_value=1, max_value=3), seed=seeds(), data=st.data())
def test_images_finish_exactly_when_every_fault_is_recoverable(
    count: int, seed: int, data: st.DataObject
) -> None:
    # Only steps this event creates get faults: one on a step that never runs is unused.
    plan = data.draw(fault_plans(STEPS[: count + 1], retries=RETRIES), label="plan")
    event = {"name": "lecture/images", "data": {"count": count}}
    explain(plan, seed, event=event)
    run = simulate(plan, seed, event)
    if plan.unrecoverable_steps:
        assert run.status == "Failed"
        return
    assert_completed(run)
    assert_each_step_executed_once(run, allow_lost=True)
    assert_max_concurrency(run, count, pattern="image-*")
    assert all(rule.called for rule in plan.rules)


def _single(fault: InjectedFault) -> GeneratedFaultPlan:
    return GeneratedFaultPlan([fault], retries=RETRIES)


def test_a_retry_after_fault_waits_the_drawn_delay_in_virtual_time() -> None:
    # The RetryAfterError is built when the fault fires, under the virtual clock,
    # so the wait is the drawn 90 s (not shortened by virtual time already spent).
    run = simulate(_single(InjectedFault("image-1", "retry_after", 2, 90, None)), 0)
    assert_completed(run)
    assert_attempts(run, "image-1", ["error", "error", "ok"])
    assert run.virtual_duration == dt.timedelta(seconds=180)


def test_more_failures_than_retries_fail_the_step() -> None:
    run = simulate(_single(InjectedFault("image-0", "transient", RETRIES + 1)), 0)
    assert run.status == "Failed"
    assert_attempts(run, "image-0", ["error"] * RETRIES + ["failed"])


@FAST
@given(seed=seeds(min_value=5, max_value=9))
def test_seeds_respect_their_bounds(seed: int) -> None:
    assert 5 <= seed <= 9


@FAST
@given(
    whole=events("x/a", data=st.fixed_dictionaries({"n": st.integers(0, 3)})),
    fixed=events("x/b", data={"user": "u1", "force": st.booleans()}),
    empty=events("x/c"),
)
def test_events_carry_their_name_and_drawn_data(
    whole: dict[str, object], fixed: dict[str, object], empty: dict[str, object]
) -> None:
    assert whole["name"] == "x/a"
    assert set(whole["data"]) == {"n"}  # type: ignore[arg-type]
    assert fixed["name"] == "x/b"
    assert fixed["data"]["user"] == "u1"  # type: ignore[index]
    assert empty == {"name": "x/c", "data": {}}
