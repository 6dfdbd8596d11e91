"""Lifecycle events of a cancelled run, as the server's finalize sends them.

``pkg/execution/executor/finalize.go``: ``inngest/function.cancelled`` takes the run id as
its event id; a cancel's response is empty (``executor.go`` Cancel), and the data's
``error`` and ``result`` are ``omitempty``, so neither event carries them; only runs
triggered by ``function.finished`` or ``function.failed`` send no lifecycle events.
All three were seen on the real server (``inngest dev`` @253303cd): function.cancelled's id
was the run id, neither event had ``error`` or ``result``, and a function triggered by
``inngest/function.cancelled`` was followed by a ``function.finished`` of its own.
"""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _cancellable(client: inngest.Inngest) -> inngest.Function:
    @client.create_function(
        fn_id="slow",
        trigger=inngest.TriggerEvent(event="job/start"),
        cancel=[inngest.Cancel(event="job/stop")],
    )
    async def slow(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(days=1))
        return "done"

    return slow


async def test_a_cancelled_runs_events(client: inngest.Inngest) -> None:
    async with Simulator(client, [_cancellable(client)], start=START) as sim:
        with sim.hold_time():
            (started,) = await sim.send({"name": "job/start", "data": {"id": 1}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "job/stop", "data": {}})
        await sim.settle()
        (run,) = sim.runs_for(started)
        lifecycle = {e["name"]: e for e in sim.events if e["name"].startswith("inngest/")}

    assert run.status == "Cancelled"
    cancelled = lifecycle["inngest/function.cancelled"]
    finished = lifecycle["inngest/function.finished"]
    assert cancelled["id"] == run.run_id
    for event in (cancelled, finished):
        assert "error" not in event["data"]
        assert "result" not in event["data"]
        assert event["data"]["run_id"] == run.run_id
        assert event["data"]["_inngest"] == {"status": "Cancelled"}


async def test_a_run_triggered_by_function_cancelled_sends_its_own(
    client: inngest.Inngest,
) -> None:
    @client.create_function(
        fn_id="on-cancel", trigger=inngest.TriggerEvent(event="inngest/function.cancelled")
    )
    async def on_cancel(ctx: inngest.Context) -> str:
        return str(ctx.event.data["run_id"])

    async with Simulator(client, [_cancellable(client), on_cancel], start=START) as sim:
        with sim.hold_time():
            await sim.send({"name": "job/start", "data": {}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "job/stop", "data": {}})
        runs = await sim.settle()
        handler = next(r for r in runs if r.function_id.endswith("on-cancel"))
        finished = [
            e
            for e in sim.events
            if e["name"] == "inngest/function.finished" and e["data"]["run_id"] == handler.run_id
        ]

    assert handler.status == "Completed"
    assert [e["data"]["result"] for e in finished] == [handler.output]


async def test_invoking_a_child_that_is_cancelled_returns_its_finished_event(
    client: inngest.Inngest,
) -> None:
    # state/pause.go GetResumeData: a function.finished without `error` or `result` resumes
    # the invoke with the whole event. Seen on the server: step.invoke returned
    # {"data": {..., "_inngest": {"status": "Cancelled"}},
    #  "name": "inngest/function.finished", ...}.
    child = _cancellable(client)

    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="app/parent"))
    async def parent(ctx: inngest.Context) -> object:
        return await ctx.step.invoke("call", function=child, data={})

    async with Simulator(client, [child, parent], start=START) as sim:
        with sim.hold_time():
            (sent,) = await sim.send({"name": "app/parent", "data": {}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "job/stop", "data": {}})
        await sim.settle()
        (run,) = sim.runs_for(sent)
        (child_run,) = [r for r in sim.runs if r.function_id.endswith("-slow")]

    assert run.status == "Completed"
    assert run.output["name"] == "inngest/function.finished"
    assert run.output["data"]["_inngest"] == {"status": "Cancelled"}
    assert run.output["data"]["run_id"] == child_run.run_id
    assert "error" not in run.output["data"]
    assert "result" not in run.output["data"]
