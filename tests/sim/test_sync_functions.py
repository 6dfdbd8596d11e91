"""Plain ``def`` functions: the SDK runs them with ``ContextSync`` and sync steps."""

from __future__ import annotations

import datetime
from typing import Any

import inngest

from inngest_sim import Backoff, Simulator
from inngest_sim.trace import RetryScheduled

START = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
NO_JITTER = Backoff(jitter=0)


async def test_sequential_sync_steps_complete_with_the_return_value(
    client: inngest.Inngest,
) -> None:
    ran: list[str] = []

    @client.create_function(fn_id="seq", trigger=inngest.TriggerEvent(event="sync/seq"))
    def seq(ctx: inngest.ContextSync) -> dict[str, Any]:
        a = ctx.step.run("a", lambda: ran.append("a") or 2)
        b = ctx.step.run("b", lambda: ran.append("b") or 3)
        c = ctx.step.run("c", lambda: ran.append("c") or a * b)
        return {"sum": a + b + c, "lecture": ctx.event.data["lecture"]}

    async with Simulator(client, [seq]) as sim:
        run = await sim.run(seq, data={"lecture": "l1"})

    assert run.status == "Completed"
    assert run.output == {"sum": 11, "lecture": "l1"}
    assert ran == ["a", "b", "c"]  # each body once: memoized on replay
    assert [r.ops for r in run.requests] == [
        ("StepRun:a",),
        ("StepRun:b",),
        ("StepRun:c",),
        (),
    ]
    assert run.step_count == 3


async def test_a_sync_parallel_group_plans_then_runs_each_step(client: inngest.Inngest) -> None:
    ran: list[str] = []

    @client.create_function(fn_id="par", trigger=inngest.TriggerEvent(event="sync/par"))
    def par(ctx: inngest.ContextSync) -> list[Any]:
        results = ctx.group.parallel(
            (
                lambda: ctx.step.run("left", lambda: ran.append("left") or "L"),
                lambda: ctx.step.run("right", lambda: ran.append("right") or "R"),
            )
        )
        tail = ctx.step.run("tail", lambda: ran.append("tail") or "T")
        return [*results, tail]

    async with Simulator(client, [par]) as sim:
        run = await sim.run(par)

    assert run.status == "Completed"
    assert run.output == ["L", "R", "T"]
    assert sorted(ran[:2]) == ["left", "right"]
    assert ran[2:] == ["tail"]
    requests = run.requests
    assert requests[0].ops == ("StepPlanned:left", "StepPlanned:right")
    assert sorted(r.target for r in requests[1:3]) == ["left", "right"]
    # After the fan-in the next step runs immediately again, then the final return.
    assert [r.ops for r in requests[3:]] == [("StepRun:tail",), ()]
    assert run.max_concurrency() == 2


async def test_a_flaky_sync_step_is_retried_with_backoff(client: inngest.Inngest) -> None:
    attempts_seen: list[int] = []

    @client.create_function(
        fn_id="flaky", trigger=inngest.TriggerEvent(event="sync/flaky"), retries=3
    )
    def flaky(ctx: inngest.ContextSync) -> str:
        def body() -> str:
            attempts_seen.append(ctx.attempt)
            if ctx.attempt < 2:
                raise ConnectionError(f"attempt {ctx.attempt} lost")
            return "ok"

        return ctx.step.run("fetch", body)

    async with Simulator(client, [flaky], start=START, backoff=NO_JITTER) as sim:
        run = await sim.run(flaky)

    assert run.status == "Completed"
    assert run.output == "ok"
    assert attempts_seen == [0, 1, 2]
    attempts = run.steps["fetch"].attempts
    assert [(a.number, a.outcome) for a in attempts] == [(0, "error"), (1, "error"), (2, "ok")]
    assert attempts[0].error is not None
    assert attempts[0].error["name"] == "ConnectionError"
    assert attempts[0].error["message"] == "attempt 0 lost"
    assert [a.start - START for a in attempts] == [
        datetime.timedelta(0),
        datetime.timedelta(seconds=15),
        datetime.timedelta(seconds=45),
    ]
    assert [r.delay for r in sim.trace.of(RetryScheduled, run.run_id)] == [15.0, 30.0]


async def test_a_sync_function_can_catch_a_step_error(client: inngest.Inngest) -> None:
    @client.create_function(
        fn_id="catcher", trigger=inngest.TriggerEvent(event="sync/catch"), retries=1
    )
    def catcher(ctx: inngest.ContextSync) -> dict[str, Any]:
        def body() -> None:
            raise ValueError("lecture not found")

        try:
            ctx.step.run("lookup", body)
        except inngest.StepError as err:
            fallback = ctx.step.run("fallback", lambda: "default")
            return {"name": err.name, "message": err.message, "fallback": fallback}
        return {"unreachable": True}

    async with Simulator(client, [catcher], backoff=NO_JITTER) as sim:
        run = await sim.run(catcher)

    assert run.status == "Completed"
    assert run.output == {
        "name": "ValueError",
        "message": "lecture not found",
        "fallback": "default",
    }
    lookup = run.steps["lookup"]
    assert [(a.number, a.outcome) for a in lookup.attempts] == [(0, "error"), (1, "failed")]
    assert lookup.saved
    assert lookup.memo == "error"
    assert run.steps["fallback"].outcome == "ok"


async def test_an_uncaught_step_error_fails_a_sync_run_at_once(client: inngest.Inngest) -> None:
    @client.create_function(
        fn_id="uncaught", trigger=inngest.TriggerEvent(event="sync/uncaught"), retries=1
    )
    def uncaught(ctx: inngest.ContextSync) -> None:
        def body() -> None:
            raise ValueError("still broken")

        ctx.step.run("broken", body)

    async with Simulator(client, [uncaught], backoff=NO_JITTER) as sim:
        run = await sim.run(uncaught)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "ValueError"
    assert run.error["message"] == "still broken"
    # Two attempts of the step, then one discovery answered 500 + no-retry.
    assert [r.status for r in run.requests] == [206, 206, 500]


async def test_datetime_now_in_a_sync_function_reads_the_virtual_clock(
    client: inngest.Inngest,
) -> None:
    @client.create_function(fn_id="clock", trigger=inngest.TriggerEvent(event="sync/clock"))
    def clock(ctx: inngest.ContextSync) -> dict[str, str]:
        before = ctx.step.run("before", lambda: datetime.datetime.now(datetime.UTC).isoformat())
        ctx.step.sleep("nap", datetime.timedelta(days=1))
        after = ctx.step.run("after", lambda: datetime.datetime.now(datetime.UTC).isoformat())
        # Outside any step, in the request that returns.
        final = datetime.datetime.now(datetime.UTC).isoformat()
        return {"before": before, "after": after, "final": final}

    async with Simulator(client, [clock], start=START) as sim:
        run = await sim.run(clock)

    assert run.status == "Completed"
    before = datetime.datetime.fromisoformat(run.output["before"])
    after = datetime.datetime.fromisoformat(run.output["after"])
    woke = START + datetime.timedelta(days=1)
    # In a body (a worker thread) the wall clock moves on from the virtual instant...
    assert START <= before < START + datetime.timedelta(seconds=1)
    assert woke <= after < woke + datetime.timedelta(seconds=1)
    # ...and outside any step it stands at the virtual instant itself.
    assert datetime.datetime.fromisoformat(run.output["final"]) == woke
    assert run.ended_at == woke
