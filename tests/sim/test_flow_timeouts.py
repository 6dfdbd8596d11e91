"""Function timeouts: ``start`` (until the first request) and ``finish`` (after it)."""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RequestSent

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def napper(client: inngest.Inngest, **options: object) -> inngest.Function:
    @client.create_function(
        fn_id="napper",
        trigger=inngest.TriggerEvent(event="flow/napper"),
        **options,  # type: ignore[arg-type]
    )
    async def fn(ctx: inngest.Context) -> str:
        await ctx.step.run("work", lambda: None)
        await ctx.step.sleep("nap", dt.timedelta(minutes=ctx.event.data.get("nap", 0)))
        return "done"

    return fn


async def test_start_timeout_cancels_a_run_held_too_long_in_the_queue(
    client: inngest.Inngest,
) -> None:
    fn = napper(
        client,
        concurrency=[inngest.Concurrency(limit=1)],
        timeouts=inngest.Timeouts(start=dt.timedelta(seconds=5)),
    )
    async with Simulator(client, [fn], start=START, request_latency=10.0) as sim:
        await sim.send([{"name": "flow/napper"}] * 2)
        first, second = await sim.settle()

    assert first.status == "Completed"  # it started at once
    assert second.status == "Cancelled"
    assert second.ended_at == START + dt.timedelta(seconds=5)
    assert second.error is not None
    assert "timeouts.start" in second.error["message"]
    assert sim.trace.of(RequestSent, second.run_id) == []  # it never reached the SDK


async def test_finish_timeout_cancels_a_run_that_runs_too_long(client: inngest.Inngest) -> None:
    fn = napper(client, timeouts=inngest.Timeouts(finish=dt.timedelta(minutes=10)))
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/napper", "data": {"nap": n}} for n in (5, 60)])
        quick, slow = await sim.settle()

    assert quick.status == "Completed"
    assert slow.status == "Cancelled"
    assert slow.ended_at == START + dt.timedelta(minutes=10)
    assert slow.error is not None
    assert "timeouts.finish" in slow.error["message"]


async def test_flow_control_applies_to_direct_runs(client: inngest.Inngest) -> None:
    fn = napper(client, timeouts=inngest.Timeouts(finish=dt.timedelta(minutes=10)))
    async with Simulator(client, [fn], start=START) as sim:
        run = await sim.run(fn, {"nap": 60})

    assert run.status == "Cancelled"
    assert run.virtual_duration == dt.timedelta(minutes=10)
