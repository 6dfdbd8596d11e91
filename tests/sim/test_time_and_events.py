"""Sleeps, wait_for_event, invoke, send_event, lifecycle events, cancellation, time control.

Semantics from sdk-protocol.md section 5 and executor-semantics.md sections 1.5, 2.7, 4.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import inngest
import pytest

from inngest_sim import EventRejected, Limits, Simulator, SimulatorStalled

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _client(app_id: str) -> inngest.Inngest:
    return inngest.Inngest(app_id=app_id, is_production=False)


async def test_a_three_day_sleep_completes_at_once_and_sees_virtual_now() -> None:
    client = _client("time-sleep")

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="t/nap"))
    async def nap(ctx: inngest.Context) -> dict[str, str]:
        before = await ctx.step.run("before", lambda: dt.datetime.now(dt.UTC).isoformat())
        await ctx.step.sleep("three-days", dt.timedelta(days=3))
        after = await ctx.step.run("after", lambda: dt.datetime.now(dt.UTC).isoformat())
        return {"before": before, "after": after}

    async with Simulator(client, [nap], start=START) as sim:
        run = await sim.run(nap)

    assert run.status == "Completed"
    # Inside a body the wall clock moves on in real time from the virtual instant.
    before = dt.datetime.fromisoformat(run.output["before"])
    after = dt.datetime.fromisoformat(run.output["after"])
    assert START <= before < START + dt.timedelta(seconds=1)
    woke = START + dt.timedelta(days=3)
    assert woke <= after < woke + dt.timedelta(seconds=1)
    assert run.virtual_duration == dt.timedelta(days=3)
    assert run.wall_seconds < 1
    assert run.steps["three-days"].memo == "null"


async def test_sleep_until_a_past_time_resumes_at_once() -> None:
    client = _client("time-until")

    @client.create_function(fn_id="until", trigger=inngest.TriggerEvent(event="t/until"))
    async def until(ctx: inngest.Context) -> str:
        await ctx.step.sleep_until("past", START - dt.timedelta(days=1))
        await ctx.step.sleep_until("future", START + dt.timedelta(hours=5))
        return "done"

    async with Simulator(client, [until], start=START) as sim:
        run = await sim.run(until)

    assert run.status == "Completed"
    assert run.virtual_duration == dt.timedelta(hours=5)


def _waiter(client: inngest.Inngest, condition: str | None = None) -> Any:
    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="order/created"))
    async def waiter(ctx: inngest.Context) -> dict[str, Any] | None:
        paid = await ctx.step.wait_for_event(
            "paid", event="order/paid", if_exp=condition, timeout=dt.timedelta(hours=1)
        )
        return None if paid is None else {"name": paid.name, "data": dict(paid.data)}

    return waiter


async def test_wait_for_event_matches_an_event_sent_after_the_wait() -> None:
    client = _client("wait-match")
    waiter = _waiter(client, "event.data.order == async.data.order")

    async with Simulator(client, [waiter], start=START) as sim:
        with sim.hold_time():
            (created,) = await sim.send({"name": "order/created", "data": {"order": 7}})
            await sim.advance(dt.timedelta(minutes=1))
            await sim.send({"name": "order/paid", "data": {"order": 8}})  # another order
            await sim.send({"name": "order/paid", "data": {"order": 7, "amount": 12}})
        (run,) = sim.runs_for(created)
        run = await sim.wait(run.run_id)

    assert run.status == "Completed"
    assert run.output == {"name": "order/paid", "data": {"order": 7, "amount": 12}}
    assert run.virtual_duration == dt.timedelta(minutes=1)


async def test_an_event_sent_before_the_wait_does_not_match() -> None:
    client = _client("wait-before")
    waiter = _waiter(client)

    async with Simulator(client, [waiter], start=START) as sim:
        # Both in the same instant, the payment first: it predates the wait.
        await sim.send([{"name": "order/paid", "data": {}}, {"name": "order/created", "data": {}}])
        await sim.settle()
        (run,) = [r for r in sim.runs if r.function_id.endswith("waiter")]

    assert run.status == "Completed"
    assert run.output is None  # timed out
    assert run.virtual_duration == dt.timedelta(hours=1)


async def test_a_wait_that_never_matches_ends_at_its_timeout_without_hanging() -> None:
    client = _client("wait-timeout")
    waiter = _waiter(client, "async.data.ok == true")

    async with Simulator(client, [waiter], start=START) as sim:
        (created,) = await sim.send({"name": "order/created", "data": {}})
        await sim.send({"name": "order/paid", "data": {"ok": False}})
        (run,) = sim.runs_for(created)
        run = await sim.wait(run.run_id)

    assert run.status == "Completed"
    assert run.output is None
    assert run.virtual_duration == dt.timedelta(hours=1)


async def test_held_time_reports_a_stalled_wait_clearly() -> None:
    client = _client("wait-held")
    waiter = _waiter(client)

    async with Simulator(client, [waiter]) as sim:
        with sim.hold_time():
            (created,) = await sim.send({"name": "order/created", "data": {}})
            (run,) = sim.runs_for(created)
            with pytest.raises(SimulatorStalled, match="time is held"):
                await sim.wait(run.run_id)


def _invoker(client: inngest.Inngest, child: Any, timeout: dt.timedelta | None = None) -> Any:
    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="t/parent"))
    async def parent(ctx: inngest.Context) -> dict[str, Any]:
        try:
            value = await ctx.step.invoke("call", function=child, data={"x": 2}, timeout=timeout)
        except inngest.StepError as err:
            return {"error": err.name, "message": err.message}
        return {"value": value}

    return parent


async def test_invoke_runs_the_child_as_its_own_run_and_returns_its_output() -> None:
    client = _client("invoke-ok")

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="t/child"))
    async def child(ctx: inngest.Context) -> dict[str, Any]:
        return {"doubled": ctx.event.data["x"] * 2, "event": ctx.event.name}  # type: ignore[operator]

    parent = _invoker(client, child)
    async with Simulator(client, [parent, child]) as sim:
        run = await sim.run(parent)
        child_runs = [r for r in sim.runs if r.function_id.endswith("child")]

    assert run.output == {"value": {"doubled": 4, "event": "inngest/function.invoked"}}
    assert len(child_runs) == 1
    assert child_runs[0].event["data"]["_inngest"]["correlation_id"].startswith(run.run_id)


async def test_invoke_of_a_failing_child_raises_its_error_after_its_own_retries() -> None:
    client = _client("invoke-fail")
    attempts: list[int] = []

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="t/c"), retries=2)
    async def child(ctx: inngest.Context) -> None:
        attempts.append(ctx.attempt)
        raise LookupError("no such record")

    parent = _invoker(client, child)
    async with Simulator(client, [parent, child]) as sim:
        run = await sim.run(parent)

    assert attempts == [0, 1, 2]
    assert run.output == {"error": "LookupError", "message": "no such record"}


async def test_invoke_times_out_with_inngests_error() -> None:
    client = _client("invoke-timeout")

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="t/slow"))
    async def child(ctx: inngest.Context) -> str:
        await ctx.step.sleep("long", dt.timedelta(days=2))
        return "late"

    parent = _invoker(client, child, timeout=dt.timedelta(hours=1))
    async with Simulator(client, [parent, child]) as sim:
        run = await sim.run(parent)

    assert run.output == {
        "error": "InngestInvokeTimeoutError",
        "message": "Timed out waiting for invoked function to complete",
    }
    assert run.virtual_duration == dt.timedelta(hours=1)


async def test_send_event_in_a_step_triggers_a_second_function() -> None:
    client = _client("send-event")

    @client.create_function(fn_id="first", trigger=inngest.TriggerEvent(event="t/first"))
    async def first(ctx: inngest.Context) -> list[str]:
        return await ctx.step.send_event("send", inngest.Event(name="t/second", data={"n": 1}))

    @client.create_function(
        fn_id="second",
        trigger=inngest.TriggerEvent(event="t/second", expression="event.data.n == 1"),
    )
    async def second(ctx: inngest.Context) -> int:
        return int(ctx.event.data["n"]) + 1  # type: ignore[arg-type]

    async with Simulator(client, [first, second]) as sim:
        run = await sim.run(first)
        await sim.settle()
        seconds = [r for r in sim.runs if r.function_id.endswith("second")]

    (event_id,) = run.output
    assert len(seconds) == 1
    assert seconds[0].event["id"] == event_id
    assert seconds[0].output == 2


async def test_on_failure_receives_function_failed_with_the_documented_fields() -> None:
    client = _client("on-failure")
    received: list[dict[str, Any]] = []

    async def handle_failure(ctx: inngest.Context) -> None:
        received.append({"name": ctx.event.name, **dict(ctx.event.data)})

    @client.create_function(
        fn_id="fragile",
        trigger=inngest.TriggerEvent(event="t/fragile"),
        retries=0,
        on_failure=handle_failure,
    )
    async def fragile(ctx: inngest.Context) -> None:
        raise RuntimeError("broken")

    async with Simulator(client, [fragile]) as sim:
        run = await sim.run(fragile, data={"k": "v"})
        await sim.settle()
        names = [e["name"] for e in sim.events]

    assert run.status == "Failed"
    assert len(received) == 1
    failed = received[0]
    assert failed["name"] == "inngest/function.failed"
    assert failed["function_id"] == "on-failure-fragile"
    assert failed["run_id"] == run.run_id
    assert failed["event"]["data"] == {"k": "v"}
    assert failed["error"]["name"] == "RuntimeError"
    assert failed["error"]["message"] == "broken"
    # Inngest's standard error: these keys and no others (the SDK's `code` is not passed on).
    assert set(failed["error"]) == {"error", "name", "message", "stack"}
    assert "RuntimeError" in failed["error"]["stack"]
    finished = next(e for e in sim.events if e["name"] == "inngest/function.finished")
    assert finished["data"]["error"] == failed["error"]
    assert "inngest/function.finished" in names


async def test_cancel_event_stops_a_sleeping_run_without_function_failed() -> None:
    client = _client("cancel")

    @client.create_function(
        fn_id="slow",
        trigger=inngest.TriggerEvent(event="job/start"),
        cancel=[inngest.Cancel(event="job/cancel", if_exp="event.data.id == async.data.id")],
    )
    async def slow(ctx: inngest.Context) -> str:
        await ctx.step.sleep("wait", dt.timedelta(days=1))
        await ctx.step.run("never", lambda: "ran")
        return "done"

    async with Simulator(client, [slow], start=START) as sim:
        with sim.hold_time():
            (started,) = await sim.send({"name": "job/start", "data": {"id": 1}})
            await sim.advance(dt.timedelta(hours=1))
            await sim.send({"name": "job/cancel", "data": {"id": 2}})  # another job
            await sim.send({"name": "job/cancel", "data": {"id": 1}})
        await sim.settle()
        (run,) = sim.runs_for(started)
        names = [e["name"] for e in sim.events]

    assert run.status == "Cancelled"
    assert "never" not in run.steps
    assert run.virtual_duration == dt.timedelta(hours=1)
    assert "inngest/function.cancelled" in names
    assert "inngest/function.failed" not in names


async def test_a_cancel_timeout_given_as_an_instant_ends_the_cancel_there() -> None:
    # The TypeScript SDK writes cancelOn's timeout Date as an RFC 3339 instant, which the
    # server reads as one (strtimeout.ParseTimeout); it was read as a duration and failed.
    client = inngest.Inngest(app_id="cancel-instant", is_production=False)

    @client.create_function(
        fn_id="slow",
        trigger=inngest.TriggerEvent(event="job/start"),
        cancel=[inngest.Cancel(event="job/cancel", timeout=dt.timedelta(days=9))],
    )
    async def slow(ctx: inngest.Context) -> str:
        await ctx.step.sleep("wait", dt.timedelta(days=2))
        return "done"

    statuses = []
    for cancelled_after in (dt.timedelta(hours=1), dt.timedelta(days=1, hours=1)):
        async with Simulator(client, [slow], start=START) as sim:
            (cancel,) = sim.function(slow).config["cancel"]
            cancel["timeout"] = (START + dt.timedelta(days=1)).isoformat().replace("+00:00", "Z")
            with sim.hold_time():
                (started,) = await sim.send({"name": "job/start"})
                await sim.advance(cancelled_after)
                await sim.send({"name": "job/cancel"})
            await sim.settle()
            statuses.append(sim.runs_for(started)[0].status)

    assert statuses == ["Cancelled", "Completed"]  # before the instant, and after it


@pytest.mark.parametrize(
    ("events", "match"),
    [
        ({"data": {}}, "has no name"),
        (
            {"name": "t/big", "data": {"blob": "x" * (3 * 1024 * 1024)}},
            "Event is over the max size",
        ),
        ([{"name": "t/many"}] * 5001, "Cannot have more than 5000 events"),
    ],
)
async def test_the_event_api_rejects_what_inngest_rejects(events: Any, match: str) -> None:
    client = _client("events-bad")

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="t/f"))
    async def f(ctx: inngest.Context) -> None:
        return None

    async with Simulator(client, [f]) as sim:
        with pytest.raises(EventRejected, match=match):
            await sim.send(events)


async def test_client_send_from_a_step_with_a_bad_event_is_a_step_error() -> None:
    client = _client("events-sdk")

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="t/f"), retries=0)
    async def f(ctx: inngest.Context) -> str:
        try:
            await ctx.step.send_event(
                "too-big", inngest.Event(name="t/x", data={"b": "x" * (4 << 20)})
            )
        except inngest.StepError as err:
            return err.message
        return "sent"

    async with Simulator(client, [f], limits=Limits(max_step_output_bytes=8 << 20)) as sim:
        run = await sim.run(f)

    assert "Event is over the max size" in run.output


async def test_a_trigger_expression_that_does_not_parse_is_an_error_at_start() -> None:
    client = _client("bad-expr")

    @client.create_function(
        fn_id="f", trigger=inngest.TriggerEvent(event="t/f", expression="event.data.x >")
    )
    async def f(ctx: inngest.Context) -> None:
        return None

    from inngest_sim import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"does not parse as CEL"):
        async with Simulator(client, [f]):
            pass


async def test_invoking_a_function_that_does_not_exist_is_a_step_error() -> None:
    client = _client("invoke-missing")

    @client.create_function(fn_id="p", trigger=inngest.TriggerEvent(event="t/p"))
    async def p(ctx: inngest.Context) -> str:
        try:
            await ctx.step.invoke_by_id("call", app_id="invoke-missing", function_id="ghost")
        except inngest.StepError as err:
            return err.message
        return "ok"

    async with Simulator(client, [p]) as sim:
        run = await sim.run(p)

    assert "no function 'invoke-missing-ghost'" in run.output


async def test_timers_of_an_ended_run_do_not_move_the_clock() -> None:
    client = _client("timers-ended")

    @client.create_function(
        fn_id="quick",
        trigger=inngest.TriggerEvent(event="t/quick"),
        cancel=[inngest.Cancel(event="t/stop")],  # a pause that would expire in a year
    )
    async def quick(ctx: inngest.Context) -> str:
        return "done"

    @client.create_function(fn_id="caller", trigger=inngest.TriggerEvent(event="t/caller"))
    async def caller(ctx: inngest.Context) -> object:
        # The invoke's one-day timeout must go once the child has answered.
        return await ctx.step.invoke("call", function=quick, timeout=dt.timedelta(days=1))

    async with Simulator(client, [quick, caller], start=START) as sim:
        await sim.send([{"name": "t/quick"}, {"name": "t/caller"}])
        runs = await sim.settle()

    assert {r.status for r in runs} == {"Completed"}
    assert sim.clock.now() == START.timestamp()
