"""Concurrency limits: SDK requests in flight, per function, per key and per scope.

Each request takes one virtual second (``request_latency=1.0``), so requests that
run together overlap in virtual time and the trace shows how many were in flight.
"""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RequestHeld, RequestSent, ResponseHandled, Trace

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def spans(trace: Trace) -> list[tuple[float, float, str]]:
    """(start, end, run id) of every SDK request."""
    ends = {r.request_id: r.t for r in trace.of(ResponseHandled)}
    return [(r.t, ends.get(r.request_id, r.t), r.run_id) for r in trace.of(RequestSent)]


def peak(rows: list[tuple[float, float, str]]) -> int:
    """Most requests in flight at once (a request ending at t frees its slot at t)."""
    edges = sorted([(start, 1) for start, _, _ in rows] + [(end, -1) for _, end, _ in rows])
    best = current = 0
    for _, change in edges:
        current += change
        best = max(best, current)
    return best


def three_steps(client: inngest.Inngest, fn_id: str, **options: object) -> inngest.Function:
    @client.create_function(
        fn_id=fn_id,
        trigger=inngest.TriggerEvent(event=f"flow/{fn_id}"),
        **options,  # type: ignore[arg-type]
    )
    async def fn(ctx: inngest.Context) -> object:
        for name in ("a", "b", "c"):
            await ctx.step.run(name, lambda name=name: name)
        return ctx.event.data.get("i")

    return fn


async def test_at_most_limit_requests_run_at_once_and_every_run_completes(
    client: inngest.Inngest,
) -> None:
    fn = three_steps(client, "limited", concurrency=[inngest.Concurrency(limit=2)])
    async with Simulator(client, [fn], start=START, request_latency=1.0) as sim:
        await sim.send([{"name": "flow/limited", "data": {"i": i}} for i in range(10)])
        runs = await sim.settle()

    assert [r.status for r in runs] == ["Completed"] * 10
    rows = spans(sim.trace)
    assert len(rows) == 40  # 3 steps + the final request, per run
    assert peak(rows) == 2
    # 40 one-second requests two at a time: 20 seconds, all queued at once.
    assert max(end for _, end, _ in rows) - START.timestamp() == 20
    assert {r.queued_at for r in runs} == {START}
    assert sim.trace.of(RequestHeld)


async def test_a_keyed_limit_lets_different_keys_run_in_parallel(client: inngest.Inngest) -> None:
    fn = three_steps(
        client, "per-user", concurrency=[inngest.Concurrency(limit=1, key="event.data.user")]
    )
    async with Simulator(client, [fn], start=START, request_latency=1.0) as sim:
        await sim.send([{"name": "flow/per-user", "data": {"user": u}} for u in "aabb"])
        runs = await sim.settle()

    assert [r.status for r in runs] == ["Completed"] * 4
    rows = spans(sim.trace)
    assert peak(rows) == 2
    for user in "ab":
        ids = {r.run_id for r in runs if r.event["data"]["user"] == user}
        assert peak([row for row in rows if row[2] in ids]) == 1
    held = sim.trace.of(RequestHeld)
    assert {tuple(h.keys) for h in held} == {
        ("fn:sim-tests-per-user:event.data.user:a",),
        ("fn:sim-tests-per-user:event.data.user:b",),
    }


async def test_a_sleeping_run_holds_no_slot(client: inngest.Inngest) -> None:
    @client.create_function(
        fn_id="sleeper",
        trigger=inngest.TriggerEvent(event="flow/sleeper"),
        concurrency=[inngest.Concurrency(limit=1)],
    )
    async def fn(ctx: inngest.Context) -> str:
        if ctx.event.data.get("sleep"):
            await ctx.step.run("before", lambda: None)
            await ctx.step.sleep("nap", dt.timedelta(hours=1))
            await ctx.step.run("after", lambda: None)
            return "slept"
        await ctx.step.run("quick", lambda: None)
        return "quick"

    async with Simulator(client, [fn], start=START, request_latency=1.0) as sim:
        await sim.send(
            [{"name": "flow/sleeper", "data": {"sleep": True}}, {"name": "flow/sleeper"}]
        )
        sleeper, quick = await sim.settle()

    assert (sleeper.output, quick.output) == ("slept", "quick")
    # The limit holds: the quick run's first request waits for the sleeper's first one.
    first_quick = sim.trace.of(RequestSent, quick.run_id)[0]
    assert first_quick.t - START.timestamp() == 1
    assert sleeper.ended_at is not None
    assert quick.ended_at is not None
    # The quick run ends seconds in, while the other sleeps for an hour.
    assert quick.ended_at - START < dt.timedelta(seconds=10)
    assert sleeper.ended_at - START > dt.timedelta(hours=1)


async def test_env_scope_shares_one_limit_across_functions(client: inngest.Inngest) -> None:
    shared = [inngest.Concurrency(limit=1, key='"vendor-api"', scope="env")]
    first = three_steps(client, "first", concurrency=shared)
    second = three_steps(client, "second", concurrency=shared)
    async with Simulator(client, [first, second], start=START, request_latency=1.0) as sim:
        await sim.send([{"name": f"flow/{name}"} for name in ("first", "second") * 2])
        runs = await sim.settle()

    assert [r.status for r in runs] == ["Completed"] * 4
    assert peak(spans(sim.trace)) == 1


async def test_two_limits_apply_together(client: inngest.Inngest) -> None:
    fn = three_steps(
        client,
        "two-limits",
        concurrency=[
            inngest.Concurrency(limit=3),
            inngest.Concurrency(limit=1, key="event.data.user"),
        ],
    )
    async with Simulator(client, [fn], start=START, request_latency=1.0) as sim:
        await sim.send([{"name": "flow/two-limits", "data": {"user": u}} for u in "aabbccdd"])
        runs = await sim.settle()

    rows = spans(sim.trace)
    assert peak(rows) == 3
    for user in "abcd":
        ids = {r.run_id for r in runs if r.event["data"]["user"] == user}
        assert peak([row for row in rows if row[2] in ids]) == 1


async def test_each_parallel_step_uses_a_slot(client: inngest.Inngest) -> None:
    @client.create_function(
        fn_id="fan-out",
        trigger=inngest.TriggerEvent(event="flow/fan-out"),
        concurrency=[inngest.Concurrency(limit=2)],
    )
    async def fn(ctx: inngest.Context) -> tuple[int, ...]:
        return await ctx.group.parallel(
            tuple((lambda i=i: ctx.step.run(f"p{i}", lambda: i)) for i in range(4))
        )

    async with Simulator(client, [fn], start=START, request_latency=1.0) as sim:
        run = await sim.run(fn)

    assert run.output == [0, 1, 2, 3]
    assert peak(spans(sim.trace)) == 2
