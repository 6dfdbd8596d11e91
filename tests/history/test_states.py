"""Histories of runs waiting for an event, invoking a function, or started by a batch."""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest

from inngest_sim import Simulator
from inngest_sim.history import check_deploy, history_from_dict


def _app(wait_id: str = "approval", invoke_id: str = "call") -> tuple[inngest.Inngest, list[Any]]:
    client = inngest.Inngest(app_id="states-app", is_production=False)

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="app/child"))
    async def child(ctx: inngest.Context) -> int:
        await ctx.step.sleep("child-nap", dt.timedelta(hours=2))
        return 7

    @client.create_function(fn_id="waits", trigger=inngest.TriggerEvent(event="app/waits"))
    async def waits(ctx: inngest.Context) -> str:
        await ctx.step.run("load", lambda: 1)
        await ctx.step.wait_for_event(wait_id, event="app/ok", timeout=dt.timedelta(hours=1))
        return "done"

    @client.create_function(fn_id="invokes", trigger=inngest.TriggerEvent(event="app/invokes"))
    async def invokes(ctx: inngest.Context) -> int:
        return int(await ctx.step.invoke(invoke_id, function=child, data={}))

    @client.create_function(
        fn_id="batch",
        trigger=inngest.TriggerEvent(event="app/item"),
        batch_events=inngest.Batch(max_size=2, timeout=dt.timedelta(seconds=5)),
    )
    async def batch(ctx: inngest.Context) -> int:
        return int(await ctx.step.run("count", lambda: len(ctx.events)))

    return client, [child, waits, invokes, batch]


async def test_a_run_waiting_for_an_event_is_paused_on_its_wait() -> None:
    client, functions = _app()
    async with Simulator(client, functions) as sim:
        await sim.send({"name": "app/waits", "data": {}})
        await sim.advance(60)
        history = next(r for r in sim.runs if r.function_id.endswith("waits")).history()

    assert history.describe().startswith("waiting at 'approval' until ")
    assert history.paused_on is not None
    assert history.paused_on.op == "WaitForEvent"
    assert history_from_dict(history.to_dict()) == history
    same_client, same = _app()
    renamed_client, renamed = _app(wait_id="sign-off")
    assert (await check_deploy(same_client, same, [history])).ok
    (verdict,) = (await check_deploy(renamed_client, renamed, [history])).verdicts
    assert (verdict.kind, verdict.step, verdict.new_step) == ("reruns_step", "approval", "sign-off")
    assert "starts WaitForEvent 'sign-off' from the beginning" in verdict.detail


async def test_a_run_invoking_a_function_is_paused_on_the_invoke() -> None:
    client, functions = _app()
    async with Simulator(client, functions) as sim:
        await sim.send({"name": "app/invokes", "data": {}})
        await sim.advance(60)  # the child sleeps for two hours
        history = next(r for r in sim.runs if r.function_id.endswith("invokes")).history()

    assert (history.state, history.paused_on and history.paused_on.id) == ("invoking", "call")
    renamed_client, renamed = _app(invoke_id="call-child")
    (verdict,) = (await check_deploy(renamed_client, renamed, [history])).verdicts
    assert (verdict.kind, verdict.step, verdict.new_step) == ("reruns_step", "call", "call-child")


async def test_a_batch_keeps_every_event_and_is_resumed_with_them() -> None:
    client, functions = _app()
    async with Simulator(client, functions) as sim:
        await sim.send([{"name": "app/item", "data": {"n": n}} for n in range(2)])
        (run,) = await sim.settle()
        history = run.history()

    assert [e["data"] for e in history.events] == [{"n": 0}, {"n": 1}]
    assert history.output == 2
    # ctx.events has both events on the replay too: else the output would differ.
    check_client, check_functions = _app()
    assert (await check_deploy(check_client, check_functions, [history])).ok
