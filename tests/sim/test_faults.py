"""Fault injection at each layer, recorded in the trace, deterministic per seed."""

from __future__ import annotations

import datetime as dt

import inngest
import pytest

from conftest import paste
from inngest_sim import Backoff, FaultPlan, InvalidArgument, Simulator, UnusedFaultRule
from inngest_sim.trace import FaultApplied


def _pipeline(app_id: str, side_effects: list[str]) -> tuple[inngest.Inngest, inngest.Function]:  # type: ignore[type-arg]
    client = inngest.Inngest(app_id=app_id, is_production=False)

    @client.create_function(
        fn_id="assets", trigger=inngest.TriggerEvent(event="f/assets"), retries=3
    )
    async def assets(ctx: inngest.Context) -> list[object]:
        def make(i: int) -> object:
            async def body() -> str:
                side_effects.append(f"asset-{i}")
                return f"asset-{i}"

            async def guarded() -> object:
                try:
                    return await ctx.step.run(f"asset-{i}", body)
                except inngest.StepError as err:
                    return {"failed": err.name}

            return guarded

        return list(await ctx.group.parallel(tuple(make(i) for i in range(3))))  # type: ignore[arg-type]

    return client, assets


async def test_a_transient_error_inside_one_step_retries_only_that_step() -> None:
    side_effects: list[str] = []
    client, fn = _pipeline("faults-transient", side_effects)
    plan = FaultPlan()
    rule = plan.raises(ConnectionError("provider down"), step="asset-1", attempts=[0, 1])

    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert run.output == ["asset-0", "asset-1", "asset-2"]
    assert [a.outcome for a in run.steps["asset-1"].attempts] == ["error", "error", "ok"]
    assert [a.outcome for a in run.steps["asset-0"].attempts] == ["ok"]
    # The body was replaced twice, so it ran only once, as did the others.
    assert sorted(side_effects) == ["asset-0", "asset-1", "asset-2"]
    assert rule.call_count == 2
    applied = sim.trace.of(FaultApplied)
    assert [(f.rule, f.step, f.attempt) for f in applied] == [
        (rule.name, "asset-1", 0),
        (rule.name, "asset-1", 1),
    ]
    plan.assert_all_called()


async def test_exhausted_retries_become_a_recorded_failure_for_that_asset() -> None:
    client, fn = _pipeline("faults-exhausted", [])
    plan = FaultPlan()
    plan.raises(TimeoutError, step="asset-2")

    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert run.output == ["asset-0", "asset-1", {"failed": "TimeoutError"}]
    assert len(run.steps["asset-2"].attempts) == 4  # retries=3


async def test_non_retriable_error_in_a_step_fails_the_run_once() -> None:
    client, fn = _pipeline("faults-nonretriable", [])
    plan = FaultPlan()
    plan.raises(inngest.NonRetriableError("sensitive content"), step="asset-0")

    async with Simulator(client, [fn], faults=plan) as sim:
        run = await sim.run(fn)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "non_retriable_error"


async def test_retry_after_from_a_fault_waits_in_virtual_time() -> None:
    client, fn = _pipeline("faults-retry-after", [])
    plan = FaultPlan()
    rule = plan.retry_after(dt.timedelta(minutes=3), step="asset-0")

    async with Simulator(client, [fn], faults=plan) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert run.virtual_duration == dt.timedelta(minutes=3)
    assert rule.call_count == 1
    assert [a.outcome for a in run.steps["asset-0"].attempts] == ["error", "ok"]


async def test_lose_response_runs_the_step_body_again() -> None:
    side_effects: list[str] = []
    client, fn = _pipeline("faults-lost", side_effects)
    plan = FaultPlan()
    plan.lose_response(step="asset-1", attempts=[0])

    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert side_effects.count("asset-1") == 2  # at-least-once: the body ran twice
    assert run.steps["asset-1"].executions == 2
    assert run.steps["asset-0"].executions == 1


async def test_raises_after_lets_side_effects_happen_then_loses_the_result() -> None:
    side_effects: list[str] = []
    client, fn = _pipeline("faults-after", side_effects)
    plan = FaultPlan()
    plan.raises_after(ConnectionResetError("socket closed"), step="asset-2", first=1)

    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert side_effects.count("asset-2") == 2
    assert [a.outcome for a in run.steps["asset-2"].attempts] == ["error", "ok"]


@pytest.mark.parametrize("inject", ["connect_error", "timeout", "status"])
async def test_transport_faults_before_the_sdk_are_retried(inject: str) -> None:
    side_effects: list[str] = []
    client, fn = _pipeline(f"faults-transport-{inject}", side_effects)
    plan = FaultPlan()
    rule = getattr(plan, inject)(step="asset-0", attempts=[0])

    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        run = await sim.run(fn)

    assert run.status == "Completed"
    assert rule.call_count == 1
    # The SDK never saw the failed request, so the body ran once.
    assert side_effects.count("asset-0") == 1
    assert [a.outcome for a in run.steps["asset-0"].attempts] == ["error", "ok"]


async def test_unused_rules_fail_loudly_with_their_description() -> None:
    plan = FaultPlan()
    plan.raises(ValueError, step="never-*", name="ghost")
    with pytest.raises(UnusedFaultRule, match=r"ghost: raises\(ValueError, step='never-\*'\)"):
        plan.assert_all_called()


def test_bad_side_effects_and_endpoints_are_rejected() -> None:
    plan = FaultPlan()
    with pytest.raises(InvalidArgument, match="must be an exception"):
        plan.raises(42)
    with pytest.raises(InvalidArgument, match="choose one of"):
        plan.api_error("webhooks")
    with pytest.raises(InvalidArgument, match="4xx or 5xx"):
        plan.status(200)


async def test_probabilistic_rules_are_deterministic_per_seed() -> None:
    def outcome(seed: int) -> list[int | None]:
        plan = FaultPlan(seed=seed)
        plan.raises(ValueError, probability=0.5)
        from inngest_sim import FaultContext

        ctx = FaultContext(layer="step", function_id="a-f", step="s", attempt=0)
        return [1 if plan.match(ctx) else None for _ in range(20)]

    assert outcome(3) == outcome(3)
    assert outcome(3) != outcome(4)


def test_a_plan_prints_as_code_that_rebuilds_it() -> None:
    plan = FaultPlan(seed=9)
    plan.raises(ConnectionError("down"), step="image-*", first=2)
    plan.lose_response(step="video-1")
    plan.api_error("publish", status=500)
    plan.retry_after(30, step="music")
    code = plan.to_code()
    assert code.splitlines() == [
        "from inngest_sim import FaultPlan",
        "",
        "plan = FaultPlan(seed=9)",
        "plan.raises(ConnectionError('down'), step='image-*', first=2)",
        "plan.lose_response(step='video-1')",
        "plan.api_error('publish', status=500)",
        "plan.retry_after(30.0, step='music', first=1)",
    ]
    rebuilt = paste(code)["plan"]
    assert isinstance(rebuilt, FaultPlan)
    assert rebuilt.to_code() == code


async def test_fail_on_assertion_turns_a_broken_assertion_into_an_immediate_failure() -> None:
    client = inngest.Inngest(app_id="faults-assert", is_production=False)
    calls: list[int] = []

    @client.create_function(fn_id="a", trigger=inngest.TriggerEvent(event="f/a"), retries=4)
    async def asserting(ctx: inngest.Context) -> None:
        async def check() -> None:
            calls.append(ctx.attempt)
            assert 1 + 1 == 3, "arithmetic is broken"

        await ctx.step.run("check", check)

    async with Simulator(client, [asserting], fail_on_assertion=True) as sim:
        run = await sim.run(asserting)

    assert run.status == "Failed"
    assert calls == [0]
    assert run.error is not None
    assert run.error["name"] == "AssertionError"
    assert "arithmetic is broken" in run.error["message"]


def test_to_code_keeps_exception_arguments_and_public_paths() -> None:
    plan = FaultPlan()
    plan.raises(inngest.NonRetriableError("refused"), step="a")
    plan.raises(OSError(28, "No space left"), step="b")
    plan.raises(TimeoutError, step="c")
    code = plan.to_code()
    assert code.splitlines()[:2] == ["import inngest", "from inngest_sim import FaultPlan"]
    assert "plan.raises(inngest.NonRetriableError('refused'), step='a')" in code
    assert "plan.raises(OSError(28, 'No space left'), step='b')" in code
    assert "plan.raises(TimeoutError, step='c')" in code
    assert paste(code)["plan"].to_code() == code
