"""A fault rule whose ``function=`` glob matches no served function is refused when the
simulator starts: it would never apply, and the test would pass without its fault."""

from __future__ import annotations

import inngest
import pytest

from inngest_sim import FaultPlan, InvalidArgument, Simulator, SyncSimulator, parse_fault_rules

client = inngest.Inngest(app_id="shop", is_production=False)


@client.create_function(fn_id="fulfil", trigger=inngest.TriggerEvent(event="shop/order"))
async def fulfil(ctx: inngest.Context) -> str:
    return await ctx.step.run("pack", lambda: "packed")


@client.create_function(fn_id="refund", trigger=inngest.TriggerEvent(event="shop/refund"))
async def refund(ctx: inngest.Context) -> str:
    return await ctx.step.run("pay-back", lambda: "paid")


async def test_a_glob_of_no_served_function_is_refused_naming_rule_glob_and_functions() -> None:
    plan = FaultPlan()
    plan.transient(step="pack", function="fulfill")  # a typo: the function is "fulfil"
    with pytest.raises(InvalidArgument) as caught:
        async with Simulator(client, [fulfil, refund], faults=plan):
            pytest.fail("the simulator started with a rule that can never apply")
    message = str(caught.value)
    assert "rule-1: transient(step='pack', function='fulfill')" in message
    assert "function='fulfill' matches no served function" in message
    assert "Served functions: shop-fulfil, shop-refund" in message
    assert "Fix function= to a glob of one of them" in message


async def test_every_unmatched_rule_is_named_at_once() -> None:
    plan = FaultPlan()
    plan.transient(step="*", function="ship")
    plan.status(502, step="*", function="other-app-*")
    plan.transient(step="pack", function="fulfil")  # matches
    with pytest.raises(InvalidArgument, match=r"^2 fault rule\(s\) can never apply") as caught:
        async with Simulator(client, [fulfil, refund], faults=plan):
            pass
    assert "function='ship'" in str(caught.value)
    assert "function='other-app-*'" in str(caught.value)
    assert "function='fulfil'" not in str(caught.value)


@pytest.mark.parametrize("glob", ["fulfil", "shop-fulfil", "shop-*", "*fil", "ref*"])
async def test_a_glob_of_a_served_function_is_taken(glob: str) -> None:
    plan = FaultPlan()
    plan.transient(step="*", function=glob, first=1)
    async with Simulator(client, [fulfil, refund], faults=plan) as sim:
        target = refund if glob.startswith("ref") else fulfil
        run = await sim.run(target)
    assert run.status == "Completed"
    assert plan.rules[0].called


def test_rules_parsed_from_strings_are_refused_quoting_the_string() -> None:
    plan = parse_fault_rules(["transient:pack:function=fulfill"])
    quoted = r"\(from 'transient:pack:function=fulfill'\)"
    with pytest.raises(InvalidArgument, match=quoted), SyncSimulator(client, [fulfil], faults=plan):
        pass
