"""Which events a wait or a cancellation sees: any that arrives after it was written.

The server skips only pauses created after an event; the simulator offers each event to
the pauses that exist when it arrives, whatever else was recorded in between.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest

from inngest_sim import Simulator

START = dt.datetime(2032, 3, 1, tzinfo=dt.UTC)


def _waiter(app_id: str) -> tuple[inngest.Inngest, Any]:
    client = inngest.Inngest(app_id=app_id, is_production=False)

    @client.create_function(fn_id="pay", trigger=inngest.TriggerEvent(event="order/created"))
    async def pay(ctx: inngest.Context) -> object:
        event = await ctx.step.wait_for_event(
            "paid", event="order/paid", timeout=dt.timedelta(hours=1)
        )
        return None if event is None else event.data

    return client, pay


async def test_a_wait_sees_the_event_that_is_the_next_thing_to_happen() -> None:
    client, pay = _waiter("match-next")
    async with Simulator(client, [pay], start=START) as sim:
        with sim.hold_time():
            (created,) = await sim.send({"name": "order/created", "data": {"order": 1}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "order/paid", "data": {"order": 1}})
        await sim.settle()
        (run,) = sim.runs_for(created)

    assert run.status == "Completed"
    assert run.output == {"order": 1}
    assert run.virtual_duration == dt.timedelta(minutes=1)


async def test_a_wait_never_sees_an_event_that_arrived_before_it_was_written() -> None:
    client, pay = _waiter("match-before")
    async with Simulator(client, [pay], start=START) as sim:
        with sim.hold_time():
            # Both arrive before the run's first request writes the wait.
            (created,) = await sim.send({"name": "order/created", "data": {"order": 2}})
            await sim.send({"name": "order/paid", "data": {"order": 2}})
        await sim.settle()
        (run,) = sim.runs_for(created)

    assert run.status == "Completed"
    assert run.output is None  # timed out
    assert run.virtual_duration == dt.timedelta(hours=1)


async def test_a_cancellation_sees_the_event_that_is_the_next_thing_to_happen() -> None:
    client = inngest.Inngest(app_id="match-cancel", is_production=False)

    @client.create_function(
        fn_id="job",
        trigger=inngest.TriggerEvent(event="job/start"),
        cancel=[inngest.Cancel(event="job/stop")],
    )
    async def job(ctx: inngest.Context) -> str:
        await ctx.step.sleep("long", dt.timedelta(days=1))
        return "finished"

    async with Simulator(client, [job], start=START) as sim:
        with sim.hold_time():
            (started,) = await sim.send({"name": "job/start"})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "job/stop"})
        await sim.settle()
        (run,) = sim.runs_for(started)

    assert run.status == "Cancelled"
    assert run.virtual_duration == dt.timedelta(minutes=1)


async def test_the_event_that_starts_a_run_does_not_cancel_it() -> None:
    client = inngest.Inngest(app_id="match-own", is_production=False)

    @client.create_function(
        fn_id="job",
        trigger=inngest.TriggerEvent(event="job/go"),
        cancel=[inngest.Cancel(event="job/go")],
    )
    async def job(ctx: inngest.Context) -> str:
        return await ctx.step.run("work", lambda: "done")

    async with Simulator(client, [job], start=START) as sim:
        (started,) = await sim.send({"name": "job/go"})
        await sim.settle()
        (run,) = sim.runs_for(started)

    assert run.status == "Completed"
