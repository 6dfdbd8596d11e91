"""fault_plans(): valid, readable plans that shrink to the smallest failing one."""

from __future__ import annotations

import ast
import re

import inngest
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from conftest import paste
from inngest_sim import FaultContext, FaultPlan, FaultRule, InvalidArgument
from inngest_sim.assertions import assert_each_step_executed_once
from inngest_sim.strategies import (
    KINDS,
    GeneratedFaultPlan,
    InjectedFault,
    events,
    explain,
    fault_plans,
    reproducer,
    seeds,
)

from ._app import RETRIES, STEPS, simulate

# Small and deterministic: CI time stays low and every run sees the same examples.
FAST = settings(max_examples=25, deadline=None, derandomize=True, database=None)
RULE = re.compile(
    r"plan\.(?P<kind>transient|non_retriable|retry_after|lose_response|raises)"
    r"\((?P<args>.*?)(, )?step='(?P<step>[\w-]+)', first=(?P<first>\d+)\)"
)


@FAST
@given(fault_plans(STEPS, max_rules=3))
def test_plans_have_one_rule_per_step_within_the_bounds(plan: GeneratedFaultPlan) -> None:
    assert isinstance(plan, FaultPlan)
    assert len(plan.rules) == len(plan.injected) <= 3
    assert len(set(plan.steps())) == len(plan.injected)
    for fault, rule in zip(plan.injected, plan.rules, strict=True):
        assert fault.step in STEPS
        assert rule.step == fault.step
        assert fault.kind in KINDS
        assert rule.first == fault.count
        assert 1 <= fault.count <= RETRIES
        assert (fault.retry_after is not None) == (fault.kind == "retry_after")
        assert rule.layer == ("response" if fault.kind == "lose_response" else "step")
    assert plan.unrecoverable_steps == plan.steps("non_retriable")


@FAST
@given(fault_plans(STEPS, max_rules=4))
def test_code_and_repr_are_readable_and_rebuild_the_plan(plan: GeneratedFaultPlan) -> None:
    code = plan.to_code()
    lines = code.splitlines()
    body = lines[lines.index("plan = FaultPlan(seed=0)") + 1 :]
    assert all(RULE.fullmatch(line) for line in body), code
    rebuilt = paste(code)["plan"]  # in a namespace that imports nothing for it
    assert isinstance(rebuilt, FaultPlan)
    assert [r.to_code() for r in rebuilt.rules] == [r.to_code() for r in plan.rules]
    assert [_shape(r) for r in rebuilt.rules] == [_shape(r) for r in plan.rules]
    assert repr(plan) == "FaultPlan[" + ", ".join(map(repr, plan.injected)) + "]"


def _shape(rule: FaultRule) -> tuple[object, ...]:
    ctx = FaultContext("step", "f", rule.step, 0)
    raised = rule.exception(ctx) if rule.layer == "step" else None
    described = (type(raised), str(raised)) if raised is not None else None
    return (rule.layer, rule.effect.kind, rule.step, rule.first, described)


def test_each_kind_prints_as_the_code_a_person_would_write() -> None:
    plan = GeneratedFaultPlan(
        [
            InjectedFault("plan", "transient", 2),
            InjectedFault("image-0", "lose_response", 1),
        ],
        retries=RETRIES,
    )
    assert repr(plan) == "FaultPlan[transient('plan', first=2), lose_response('image-0', first=1)]"
    drawn = find(
        fault_plans(STEPS, kinds=["retry_after"], min_rules=1),
        lambda p: True,
        settings=settings(database=None, derandomize=True),
    )
    assert repr(drawn) == "FaultPlan[retry_after('plan', first=1, seconds=1)]"
    assert drawn.to_code().splitlines()[-1] == (
        "plan.retry_after(1.0, message='injected retry-after fault', step='plan', first=1)"
    )


class SensitiveContent(Exception):
    """Stands in for a provider error the caller marks as non-retriable."""


def sensitive() -> SensitiveContent:
    return SensitiveContent("SENSITIVE_CONTENT from local: flagged")


@FAST
@given(
    fault_plans(
        STEPS,
        min_rules=1,
        kinds=["non_retriable"],
        non_retriable=[sensitive, inngest.NonRetriableError("refused")],
    )
)
def test_callers_choose_what_a_non_retriable_fault_raises(plan: GeneratedFaultPlan) -> None:
    assert plan.unrecoverable_steps == plan.steps()
    for fault, rule in zip(plan.injected, plan.rules, strict=True):
        assert fault.effect is rule.side_effect
        raised = rule.side_effect(None)
        assert isinstance(raised, SensitiveContent | inngest.NonRetriableError)
        assert repr(rule.side_effect) in (
            f"lambda ctx: {__name__}.sensitive()",
            "inngest.NonRetriableError('refused')",
        )


@FAST
@given(fault_plans(STEPS, kinds=["transient"], max_failures=RETRIES + 1, min_rules=1))
def test_max_failures_above_the_retries_can_exhaust_them(plan: GeneratedFaultPlan) -> None:
    exhausted = [f.step for f in plan.injected if f.count > RETRIES]
    assert plan.unrecoverable_steps == exhausted


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"step_ids": []}, "non-empty list of step ids"),
        ({"step_ids": ["a", "a"]}, "has duplicates"),
        ({"step_ids": ["a"], "kinds": ["flaky"]}, r"kinds=\['flaky'\]: choose from"),
        ({"step_ids": ["a"], "kinds": []}, "choose from"),
        ({"step_ids": ["a"], "min_rules": 2}, r"min_rules=2 must be in 0\.\.1"),
        ({"step_ids": ["a", "b"], "min_rules": 2, "max_rules": 1}, "min_rules=2 > max_rules=1"),
        ({"step_ids": ["a"], "min_failures": 5}, "need 1 <= min_failures=5 <= 4"),
        ({"step_ids": ["a"], "retries": -1}, "retries=-1 must be >= 0"),
        ({"step_ids": ["a"], "non_retriable": []}, "gives nothing to raise"),
        ({"step_ids": ["a"], "max_retry_after": 0}, "must be >= 1"),
    ],
)
def test_bad_arguments_fail_when_the_strategy_is_built(
    kwargs: dict[str, object], message: str
) -> None:
    step_ids = kwargs.pop("step_ids")
    with pytest.raises(InvalidArgument, match=message):
        fault_plans(step_ids, **kwargs)  # type: ignore[arg-type]


def executed_once(plan: FaultPlan) -> bool:
    try:
        assert_each_step_executed_once(simulate(plan, seed=0))
    except AssertionError:
        return True
    return False


def test_shrinking_finds_the_smallest_plan_that_breaks_a_property() -> None:
    # "Every body runs once" is false under at-least-once delivery: the minimal
    # counterexample is a single lost response on the first step.
    minimal = find(
        fault_plans(STEPS, kinds=["transient", "lose_response"]),
        executed_once,
        settings=settings(
            database=None,
            derandomize=True,
            max_examples=50,
            deadline=None,  # each example runs a simulator: no deadline on a loaded machine
            phases=[Phase.generate, Phase.shrink],
        ),
    )
    assert repr(minimal) == "FaultPlan[lose_response('plan', first=1)]"


def test_a_failing_property_prints_the_minimal_example_and_its_reproducer() -> None:
    # No explain phase: it re-runs ~200 traced examples after a failure (~20 s).
    @settings(FAST, phases=[Phase.generate, Phase.shrink])
    @given(plan=fault_plans(STEPS, kinds=["transient", "lose_response"]), seed=seeds())
    def every_body_runs_once(plan: GeneratedFaultPlan, seed: int) -> None:
        explain(plan, seed)
        assert_each_step_executed_once(simulate(plan, seed))

    with pytest.raises(AssertionError) as info:
        every_body_runs_once()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "plan=FaultPlan[lose_response('plan', first=1)]" in notes
    assert "seed=0" in notes
    assert (
        "# Reproduce this example (seed=0):\n"
        "from inngest_sim import FaultPlan, Simulator\n"
        "\n"
        "plan = FaultPlan(seed=0)\n"
        "plan.lose_response(step='plan', first=1)\n"
        "async with Simulator(client, functions, seed=0, faults=plan) as sim:\n"
        "    run = await sim.run(fn)"
    ) in notes


@FAST
@given(plan=fault_plans(STEPS), seed=seeds(), event=events("lecture/images"))
def test_reproducers_are_valid_python(
    plan: GeneratedFaultPlan, seed: int, event: dict[str, object]
) -> None:
    code = reproducer(seed, plan, event=event)
    tree = compile(code, "<reproducer>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert tree is not None
    assert f"seed={seed}, faults=plan" in code
    assert "run = await sim.run(fn, event={'name': 'lecture/images', 'data': {}})" in code
    assert ("import inngest" in code) == ("inngest." in plan.to_code())
    assert explain(plan, seed, event=event) == code  # explain() also notes it


def test_a_hand_written_plan_gets_the_imports_its_code_needs() -> None:
    plan = FaultPlan()
    plan.raises(inngest.NonRetriableError("refused"), step="image-0")
    plan.raises(lambda ctx: ConnectionError(f"down at {ctx.attempt}"), step="plan", first=1)
    code = reproducer(1, plan, event={"name": "lecture/images", "data": {"count": 2}})
    assert code.splitlines()[:3] == [
        "# Reproduce this example (seed=1):",
        "import inngest",
        "from inngest_sim import FaultPlan, Simulator",
    ]
    assert "plan.raises(inngest.NonRetriableError('refused'), step='image-0')" in code
    assert (
        "plan.raises(lambda ctx: ConnectionError(f\"down at {ctx.attempt}\"), step='plan', " in code
    )
    assert "faults=plan" in reproducer(2, None)


def test_a_reproducer_runs_when_pasted_after_the_users_own_names() -> None:
    plan = FaultPlan()
    plan.transient(step="image-1", first=2)
    code = reproducer(3, plan, event={"name": "lecture/images", "data": {"count": 2}})
    users = "from tests.strategies._app import client, images as fn\nfunctions = [fn]\n"
    namespace = paste(users + code + "\nRESULT.append(run)\n", top_level_await=True, RESULT=[])
    (run,) = namespace["RESULT"]
    assert run.status == "Completed"
    assert [a.outcome for a in run.steps["image-1"].attempts] == ["error", "error", "ok"]
    assert run.output == ["image-0.png", "image-1.png"]


@settings(FAST, max_examples=10)
@given(st.data())
def test_plans_can_be_drawn_interactively(data: st.DataObject) -> None:
    plan = data.draw(fault_plans(["only"], min_rules=1, max_rules=1))
    assert plan.steps() == ["only"]
