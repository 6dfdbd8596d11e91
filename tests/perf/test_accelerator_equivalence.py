"""The accelerator changes nothing a run shows: traces, wire and replay checks match."""

from __future__ import annotations

import pytest
from inngest._internal.execution_lib import models
from inngest._internal.step_lib import base

from ._harness import outcome
from ._scenarios import SCENARIOS
from ._verdicts import assert_same, exercised, with_bodies_apart, without_timings


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_a_scenario_runs_the_same_with_and_without_the_accelerator(name: str) -> None:
    pop, release = base.StepMemos.pop, models.ReportedStep.release

    stock = await outcome(SCENARIOS[name], accelerate=False)
    fast = await outcome(SCENARIOS[name], accelerate=True)

    assert (stock.accelerated, fast.accelerated) == (False, True)
    exercised(name, stock)
    assert_same(
        with_bodies_apart(stock.trace),
        with_bodies_apart(fast.trace),
        "trace record",
    )
    assert fast.replays == stock.replays
    assert_same(stock.requests, fast.requests, "request to the SDK")
    assert_same(without_timings(stock.responses), without_timings(fast.responses), "SDK response")
    assert (base.StepMemos.pop, models.ReportedStep.release) == (pop, release)


async def test_the_comparison_tells_two_different_runs_apart() -> None:
    # Another seed gives other run ids: the same comparison must fail on it.
    one = await outcome(SCENARIOS["sequential"], accelerate=True)
    other = await outcome(SCENARIOS["sequential"], accelerate=True, seed=8)

    with pytest.raises(AssertionError, match=r"trace record \d+ differs"):
        assert_same(
            with_bodies_apart(one.trace),
            with_bodies_apart(other.trace),
            "trace record",
        )
