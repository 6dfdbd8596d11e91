"""Scenarios the equivalence tests run twice (stock and with a lever), each built fresh.

A scenario returns the client, its functions, the Simulator options and a coroutine
that drives the simulator and returns the runs to compare. Everything is built anew
per call (fault plans keep counters), and every source of variation is pinned:
virtual time starts at ``START``, the seed is fixed, and parallel steps of sync
functions, which the SDK runs in threads, finish in a seeded order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import inngest

from inngest_sim import FaultPlan, Limits, RunResult, Simulator

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
Drive = Callable[[Simulator], Awaitable[list[RunResult]]]


@dataclasses.dataclass
class Scenario:
    client: inngest.Inngest
    functions: list[Any]
    drive: Drive
    options: dict[str, Any] = dataclasses.field(default_factory=dict)


def _client(name: str) -> inngest.Inngest:
    return inngest.Inngest(app_id=f"perf-{name}", is_production=False)


def _run(fn: Any, **kwargs: Any) -> Drive:
    async def drive(sim: Simulator) -> list[RunResult]:
        return [await sim.run(fn, **kwargs)]

    return drive


def sequential() -> Scenario:
    client = _client("seq")

    @client.create_function(fn_id="seq", trigger=inngest.TriggerEvent(event="p/seq"))
    async def seq(ctx: inngest.Context) -> int:
        total = 0
        for i in range(30):
            total += await ctx.step.run(f"step-{i}", lambda i=i: i)
        return total

    return Scenario(client, [seq], _run(seq))


def parallel_groups() -> Scenario:
    client = _client("chunk")

    @client.create_function(fn_id="chunk", trigger=inngest.TriggerEvent(event="p/chunk"))
    async def chunk(ctx: inngest.Context) -> int:
        total = 0
        for start in range(0, 23, 5):
            group = tuple(
                (lambda i=i: ctx.step.run(f"step-{i}", lambda: i))
                for i in range(start, min(start + 5, 23))
            )
            total += sum(await ctx.group.parallel(group))  # type: ignore[arg-type]
        return total

    return Scenario(client, [chunk], _run(chunk))


def retries_and_errors() -> Scenario:
    client = _client("retries")

    @client.create_function(fn_id="flaky", trigger=inngest.TriggerEvent(event="p/flaky"), retries=3)
    async def flaky(ctx: inngest.Context) -> dict[str, Any]:
        def twice() -> str:
            if ctx.attempt < 2:
                raise ConnectionError(f"attempt {ctx.attempt} failed")
            return "ok"

        def always() -> str:
            raise ValueError("never works")

        first = await ctx.step.run("flaky", twice)
        try:
            await ctx.step.run("doomed", always)
        except inngest.StepError as err:
            return {"first": first, "caught": err.name, "message": err.message}
        return {"first": first}

    @client.create_function(fn_id="fails", trigger=inngest.TriggerEvent(event="p/f"), retries=1)
    async def fails(ctx: inngest.Context) -> None:
        await ctx.step.run("fine", lambda: 1)
        raise ValueError("the function itself fails")

    @client.create_function(fn_id="refuses", trigger=inngest.TriggerEvent(event="p/r"))
    async def refuses(ctx: inngest.Context) -> None:
        def never() -> None:
            raise inngest.NonRetriableError("not today")

        await ctx.step.run("fatal", never)

    async def drive(sim: Simulator) -> list[RunResult]:
        return [await sim.run(flaky), await sim.run(fails), await sim.run(refuses)]

    return Scenario(client, [flaky, fails, refuses], drive)


def time_and_events() -> Scenario:
    client = _client("time")

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="p/child"))
    async def child(ctx: inngest.Context) -> int:
        return int(ctx.event.data["x"]) * 2  # type: ignore[call-overload]

    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="order/created"))
    async def waiter(ctx: inngest.Context) -> dict[str, Any]:
        await ctx.step.sleep("nap", dt.timedelta(hours=2))
        paid = await ctx.step.wait_for_event(
            "paid",
            event="order/paid",
            if_exp="async.data.order == event.data.order",
            timeout=dt.timedelta(days=1),
        )
        doubled = await ctx.step.invoke("double", function=child, data={"x": 21})
        await ctx.step.send_event("tell", inngest.Event(name="order/done", data={"n": 1}))
        return {"paid": None if paid is None else dict(paid.data), "doubled": doubled}

    async def drive(sim: Simulator) -> list[RunResult]:
        with sim.hold_time():
            await sim.send({"name": "order/created", "data": {"order": 7}})
            await sim.advance(dt.timedelta(hours=3))
            await sim.send({"name": "order/paid", "data": {"order": 8}})
            await sim.send({"name": "order/paid", "data": {"order": 7, "amount": 12}})
        return await sim.settle()

    return Scenario(client, [child, waiter], drive)


def large_outputs() -> Scenario:
    """State past a lowered use_api threshold, and a step output over its limit."""
    client = _client("large")

    @client.create_function(fn_id="big", trigger=inngest.TriggerEvent(event="p/big"))
    async def big(ctx: inngest.Context) -> int:
        sizes = 0
        for i in range(6):
            sizes += len(await ctx.step.run(f"chunk-{i}", lambda i=i: str(i) * 1500))
        return sizes

    @client.create_function(fn_id="huge", trigger=inngest.TriggerEvent(event="p/huge"))
    async def huge(ctx: inngest.Context) -> int:
        return len(await ctx.step.run("too-big", lambda: "x" * 20_000))

    async def drive(sim: Simulator) -> list[RunResult]:
        return [await sim.run(big), await sim.run(huge)]

    limits = Limits(use_api_threshold_bytes=4096, max_step_output_bytes=16_384)
    return Scenario(client, [big, huge], drive, {"limits": limits})


def sync_functions() -> Scenario:
    client = _client("sync")

    @client.create_function(fn_id="sync", trigger=inngest.TriggerEvent(event="p/sync"), retries=2)
    def sync(ctx: inngest.ContextSync) -> int:
        def flaky() -> int:
            if ctx.attempt == 0:
                raise ConnectionError("first attempt")
            return 5

        a = ctx.step.run("a", lambda: 2)
        parts = ctx.group.parallel(
            tuple((lambda i=i: ctx.step.run(f"p{i}", lambda: i)) for i in range(3))
        )
        b = ctx.step.run("b", flaky)
        return a + b + sum(parts)  # type: ignore[arg-type]

    return Scenario(client, [sync], _run(sync), {"completion_order": 0})


def faults() -> Scenario:
    client = _client("faults")

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="p/fan"), retries=3)
    async def fan(ctx: inngest.Context) -> list[str]:
        done: list[str] = []
        for start in range(0, 8, 4):
            group = tuple(
                (lambda i=i: ctx.step.run(f"asset-{i}", lambda: f"a{i}"))
                for i in range(start, start + 4)
            )
            done += await ctx.group.parallel(group)  # type: ignore[arg-type]
        return done

    plan = FaultPlan(seed=3)
    plan.lose_response(step="asset-1", first=1)
    plan.raises(ConnectionError("provider down"), step="asset-2", first=2)
    plan.retry_after(dt.timedelta(seconds=30), step="asset-5")
    plan.status(502, step="asset-6", first=1)
    return Scenario(client, [fan], _run(fan), {"faults": plan})


def signed_cloud() -> Scenario:
    """Cloud mode: the executor signs each request and the SDK signs its answers."""
    key = "signkey-prod-" + "ab" * 32
    client = inngest.Inngest(
        app_id="perf-cloud", is_production=True, signing_key=key, event_key="k"
    )

    @client.create_function(fn_id="signed", trigger=inngest.TriggerEvent(event="p/cloud"))
    async def signed(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 1)
        pair = await ctx.group.parallel(
            (lambda: ctx.step.run("x", lambda: a), lambda: ctx.step.run("y", lambda: 2))
        )
        return a + sum(pair)  # type: ignore[arg-type]

    return Scenario(client, [signed], _run(signed))


SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "sequential": sequential,
    "parallel_groups": parallel_groups,
    "retries_and_errors": retries_and_errors,
    "time_and_events": time_and_events,
    "large_outputs": large_outputs,
    "sync_functions": sync_functions,
    "faults": faults,
    "signed_cloud": signed_cloud,
}
