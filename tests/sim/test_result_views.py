"""What a run's result and timeline say about its steps: their order, and which step retries."""

from __future__ import annotations

import datetime as dt
import re

import inngest
import pytest

from inngest_sim import FaultPlan, Simulator
from inngest_sim._stack_text import without_library_frames
from inngest_sim.assertions import assert_completed
from inngest_sim.timeline import render_timeline
from inngest_sim.trace import RetryScheduled


async def test_run_steps_are_in_the_order_the_function_reached_them() -> None:
    client = inngest.Inngest(app_id="views-order", is_production=False)

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="v/child"))
    async def child(ctx: inngest.Context) -> int:
        return 1

    @client.create_function(fn_id="order", trigger=inngest.TriggerEvent(event="v/order"))
    async def order(ctx: inngest.Context) -> None:
        await ctx.step.run("first", lambda: 1)
        await ctx.step.sleep("nap", dt.timedelta(minutes=1))
        await ctx.step.run("second", lambda: 2)
        await ctx.step.invoke("call", function=child)
        await ctx.step.wait_for_event("hear", event="v/never", timeout=dt.timedelta(seconds=5))
        await ctx.step.run("third", lambda: 3)

    async with Simulator(client, [order, child]) as sim:
        run = await sim.run(order)

    assert run.status == "Completed"
    assert list(run.steps) == ["first", "nap", "second", "call", "hear", "third"]
    assert run.completion_order == list(run.steps)


async def test_a_lone_steps_retry_names_the_step_not_the_function() -> None:
    client = inngest.Inngest(app_id="views-retry", is_production=False)

    @client.create_function(fn_id="lone", trigger=inngest.TriggerEvent(event="v/lone"))
    async def lone(ctx: inngest.Context) -> int:
        return int(await ctx.step.run("charge", lambda: 1))

    plan = FaultPlan()
    plan.transient(step="charge", first=1)
    async with Simulator(client, [lone], faults=plan) as sim:
        run = await sim.run(lone)

    assert run.status == "Completed"
    (retry,) = run.trace.of(RetryScheduled)
    assert retry.step == "charge"
    timeline = render_timeline(run.trace)
    assert re.search(r"charge +retry in [\d.]+s \(backoff\), attempt 1", timeline), timeline
    assert "function " not in timeline


async def test_an_injected_faults_failure_names_the_rule_and_hides_the_librarys_frames() -> None:
    client = inngest.Inngest(app_id="views-stack", is_production=False)

    @client.create_function(fn_id="lone", trigger=inngest.TriggerEvent(event="v/lone"), retries=0)
    async def lone(ctx: inngest.Context) -> int:
        return int(await ctx.step.run("charge", lambda: 1))

    plan = FaultPlan()
    plan.transient(step="charge")
    async with Simulator(client, [lone], faults=plan) as sim:
        run = await sim.run(lone)

    assert "inngest_sim" in run.error["stack"]  # what the SDK reported, kept in the result
    with pytest.raises(AssertionError) as caught:
        assert_completed(run)
    message = str(caught.value)
    assert "injected by rule-1 (transient on 'charge', attempt 0)" in message
    assert "inngest_sim" not in message
    assert "contextlib" not in message
    assert "Traceback" not in message


def test_a_user_frame_under_the_librarys_frames_stays() -> None:
    stack = (
        "Traceback (most recent call last):\n"
        '  File "/x/site-packages/inngest_sim/_sdk/probe.py", line 157, in body\n'
        "    result = handler(*body_args)\n"
        '  File "/home/me/app/charge.py", line 12, in charge\n'
        "    raise ValueError('card declined')\n"
        "ValueError: card declined\n"
    )
    lines, hid = without_library_frames(stack)
    assert hid
    assert lines == [
        "Traceback (most recent call last):",
        '  File "/home/me/app/charge.py", line 12, in charge',
        "    raise ValueError('card declined')",
        "ValueError: card declined",
    ]
    assert without_library_frames("ValueError: x") == (["ValueError: x"], False)
