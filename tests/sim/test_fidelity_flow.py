"""Flow control where the server decides differently from the obvious rule.

Each expected value was seen on the real server (``inngest dev`` built from
github.com/inngest/inngest @253303cd), and the Go file that decides it is named.
"""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RunSkipped

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MS = int(START.timestamp() * 1000)


async def test_debounce_keeps_the_event_with_the_latest_ts(client: inngest.Inngest) -> None:
    # lua/debounce/updateDebounce.lua: `item.e.ts > eventTime -> return -2`. On the server an
    # event sent second with a ts a minute older was dropped, and the run started ~6.1 s
    # after the first event (its deadline was not pushed back).
    @client.create_function(
        fn_id="deb",
        trigger=inngest.TriggerEvent(event="app/deb"),
        debounce=inngest.Debounce(period=dt.timedelta(seconds=5)),
    )
    async def deb(ctx: inngest.Context) -> object:
        return ctx.event.data["n"]

    async with Simulator(client, [deb], start=START) as sim:
        with sim.hold_time():
            await sim.send({"name": "app/deb", "data": {"n": "newest"}, "ts": MS - 1000})
            await sim.advance(dt.timedelta(seconds=1))
            await sim.send({"name": "app/deb", "data": {"n": "older"}, "ts": MS - 60_000})
        (run,) = await sim.settle()
        (skipped,) = sim.trace.of(RunSkipped)

    assert run.output == "newest"
    assert run.queued_at == START + dt.timedelta(seconds=6.05)
    assert skipped.reason == "debounce"


async def test_invoking_a_rate_limited_function_fails_the_invoke_step(
    client: inngest.Inngest,
) -> None:
    # runner.go Initialize: ErrFunctionRateLimited on an invoke event -> InvokeFailHandler with
    # {"name": "Error", "message": "invoked function is rate limited"}. Seen on the server: the
    # step.invoke raised StepError("invoked function is rate limited").
    @client.create_function(
        fn_id="limited",
        trigger=inngest.TriggerEvent(event="app/limited"),
        rate_limit=inngest.RateLimit(limit=1, period=dt.timedelta(minutes=5)),
    )
    async def limited(ctx: inngest.Context) -> str:
        return "ran"

    @client.create_function(fn_id="invoker", trigger=inngest.TriggerEvent(event="app/invoke"))
    async def invoker(ctx: inngest.Context) -> dict[str, str]:
        try:
            return {"ok": await ctx.step.invoke("call", function=limited, data={})}
        except inngest.StepError as exc:
            return {"error": exc.name, "message": exc.message}

    async with Simulator(client, [limited, invoker], start=START) as sim:
        await sim.send({"name": "app/limited", "data": {}})
        await sim.settle()
        (invoked,) = await sim.trigger({"name": "app/invoke", "data": {}})
        children = [r for r in sim.runs if r.function_id.endswith("-limited")]

    assert invoked.output == {"error": "Error", "message": "invoked function is rate limited"}
    assert len(children) == 1  # only the direct run


def _one_at_a_time(
    client: inngest.Inngest, fn_id: str, done: list[str], steps: int, **options: object
) -> inngest.Function:
    """A function with a concurrency of 1 whose steps log ``<event n>:<step>`` to ``done``."""

    @client.create_function(
        fn_id=fn_id,
        trigger=inngest.TriggerEvent(event=f"app/{fn_id}"),
        concurrency=[inngest.Concurrency(limit=1)],
        **options,  # type: ignore[arg-type]
    )
    async def fn(ctx: inngest.Context) -> None:
        for i in range(steps):
            await ctx.step.run(f"s{i}", lambda i=i: done.append(f"{ctx.event.data['n']}:{i}"))

    return fn


async def test_held_work_goes_to_the_oldest_run_first(client: inngest.Inngest) -> None:
    # pkg/execution/queue/item.go QueueItem.Score: a due item scores its run's start time
    # ("prioritize finishing older function runs"). Seen on the server with concurrency 1
    # and runs a, b, c sent 0.3 s apart: a0 a1 a2 b0 b1 b2 c0 c1 c2.
    done: list[str] = []
    order = _one_at_a_time(client, "order", done, steps=3)
    async with Simulator(client, [order], start=START, request_latency=0.7) as sim:
        with sim.hold_time():
            for n in "abc":
                await sim.send({"name": "app/order", "data": {"n": n}})
                await sim.advance(dt.timedelta(seconds=0.3))
        await sim.settle()

    assert done == ["a:0", "a:1", "a:2", "b:0", "b:1", "b:2", "c:0", "c:1", "c:2"]


async def test_a_singleton_key_that_is_false_is_no_singleton(client: inngest.Inngest) -> None:
    # pkg/execution/singleton/singleton.go SingletonKey: a false result is ErrNotASingleton,
    # and executor.go runs the function "normally not as a singleton"; a missing field's
    # value is false (read from the code, not run on the server).
    @client.create_function(
        fn_id="single",
        trigger=inngest.TriggerEvent(event="app/single"),
        singleton=inngest.Singleton(mode="skip", key="event.data.user"),
    )
    async def single(ctx: inngest.Context) -> object:
        await ctx.step.sleep("hold", dt.timedelta(minutes=1))
        return ctx.event.data["n"]

    async with Simulator(client, [single], start=START) as sim:
        await sim.send([{"name": "app/single", "data": {"n": n}} for n in (1, 2)])
        await sim.send([{"name": "app/single", "data": {"n": n, "user": "a"}} for n in (3, 4)])
        runs = await sim.settle()

    assert sorted(run.output for run in runs) == [1, 2, 3]


async def test_priority_counts_beyond_six_hundred_seconds(client: inngest.Inngest) -> None:
    # consts.go PriorityFactorMax = 12 h. Seen on the server with concurrency 1: A (p = 650)
    # then B (p = 700) 0.4 s later, both held behind a busy run: B ran before A, which a
    # clamp at 600 s would have tied, leaving the older A first.
    done: list[str] = []
    prio = _one_at_a_time(
        client, "prio", done, steps=1, priority=inngest.Priority(run="int(event.data.p)")
    )
    async with Simulator(client, [prio], start=START, request_latency=4.0) as sim:
        with sim.hold_time():
            for name, p in (("first", 0), ("A650", 650), ("B700", 700)):
                await sim.send({"name": "app/prio", "data": {"n": name, "p": p}})
                await sim.advance(dt.timedelta(seconds=0.4))
        await sim.settle()

    assert done == ["first:0", "B700:0", "A650:0"]


async def test_invoking_an_idempotent_function_twice_fails_the_second_invoke(
    client: inngest.Inngest,
) -> None:
    # pkg/sdk/function.go makes `idempotency` a rate limit of 1 per 24 h on its key, so the
    # invoke path of runner.go Initialize fails it as rate limited (read from the code).
    @client.create_function(
        fn_id="once",
        trigger=inngest.TriggerEvent(event="app/once"),
        idempotency="event.data.order",
    )
    async def once(ctx: inngest.Context) -> str:
        return "ran"

    @client.create_function(fn_id="twice", trigger=inngest.TriggerEvent(event="app/twice"))
    async def twice(ctx: inngest.Context) -> list[str]:
        outcomes = []
        for attempt in ("first", "second"):
            try:
                outcomes.append(
                    await ctx.step.invoke(attempt, function=once, data={"order": "o-1"})
                )
            except inngest.StepError as exc:
                outcomes.append(exc.message)
        return outcomes

    async with Simulator(client, [once, twice], start=START) as sim:
        (run,) = await sim.trigger({"name": "app/twice", "data": {}})

    assert run.output == ["ran", "invoked function is rate limited"]
