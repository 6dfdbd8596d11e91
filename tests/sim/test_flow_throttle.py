"""Throttle delays run starts (GCRA, FIFO, never drops); priority reorders held work."""

from __future__ import annotations

import datetime as dt

import inngest
import pytest

from inngest_sim import Simulator
from inngest_sim.trace import RequestSent, RunDelayed, Trace

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
T0 = START.timestamp()


def started_at(trace: Trace, run_id: str) -> float:
    """Seconds after START of the run's first SDK request."""
    return trace.of(RequestSent, run_id)[0].t - T0


def one_step(client: inngest.Inngest, fn_id: str, **options: object) -> inngest.Function:
    @client.create_function(
        fn_id=fn_id,
        trigger=inngest.TriggerEvent(event=f"flow/{fn_id}"),
        **options,  # type: ignore[arg-type]
    )
    async def fn(ctx: inngest.Context) -> object:
        await ctx.step.run("work", lambda: None)
        return ctx.event.data.get("name")

    return fn


async def test_throttle_spaces_run_starts_and_drops_none(client: inngest.Inngest) -> None:
    fn = one_step(
        client, "throttled", throttle=inngest.Throttle(limit=1, period=dt.timedelta(seconds=10))
    )
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/throttled", "data": {"name": n}} for n in "abc"])
        runs = await sim.settle()

    assert [r.output for r in runs] == ["a", "b", "c"]  # FIFO, none dropped
    assert {r.queued_at for r in runs} == {START}  # created at once...
    assert [started_at(sim.trace, r.run_id) for r in runs] == [0, 10, 20]  # ...started apart
    # Only the start is throttled: each run's later requests follow at once.
    assert [r.virtual_duration for r in runs] == [dt.timedelta(seconds=s) for s in (0, 10, 20)]
    delayed = sim.trace.of(RunDelayed)
    assert [(d.reason, d.run_id) for d in delayed] == [("throttle", r.run_id) for r in runs[1:]]


async def test_throttle_burst_lets_several_start_together(client: inngest.Inngest) -> None:
    fn = one_step(
        client,
        "bursty",
        throttle=inngest.Throttle(limit=1, period=dt.timedelta(seconds=10), burst=2),
    )
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/bursty"}] * 4)
        runs = await sim.settle()

    assert [started_at(sim.trace, r.run_id) for r in runs] == [0, 0, 10, 20]


async def test_throttle_key_gives_each_key_its_own_limit(client: inngest.Inngest) -> None:
    fn = one_step(
        client,
        "per-key",
        throttle=inngest.Throttle(limit=1, period=dt.timedelta(seconds=10), key="event.data.name"),
    )
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/per-key", "data": {"name": n}} for n in "aab"])
        runs = await sim.settle()

    assert [started_at(sim.trace, r.run_id) for r in runs] == [0, 10, 0]


async def test_priority_moves_a_held_run_ahead_of_runs_queued_up_to_n_seconds_earlier(
    client: inngest.Inngest,
) -> None:
    fn = one_step(
        client,
        "prioritised",
        concurrency=[inngest.Concurrency(limit=1)],
        priority=inngest.Priority(run="int(event.data.priority)"),
    )
    event = "flow/prioritised"
    async with Simulator(client, [fn], start=START, request_latency=10.0) as sim:
        await sim.send(
            [{"name": event, "data": {"name": n, "priority": 0}} for n in ("x", "l1", "l2")]
        )
        await sim.advance(dt.timedelta(seconds=5))  # x holds the only slot; l1, l2 wait
        await sim.send(
            [
                {"name": event, "data": {"name": "high", "priority": 60}},  # 60s > 5s: jumps
                {"name": event, "data": {"name": "low", "priority": 2}},  # 2s < 5s: does not
            ]
        )
        runs = {r.output: r for r in await sim.settle()}

    order = sorted(runs, key=lambda name: started_at(sim.trace, runs[name].run_id))
    assert order == ["x", "high", "l1", "l2", "low"]


@pytest.mark.parametrize(
    ("expression", "order"),
    [
        # An int result counts, clamped to +-43,200 s (consts.go PriorityFactorMax), not 600.
        ("int(event.data.priority)", ["x", "high", "l1", "l2"]),
        # An event number is a double: RunPriorityFactor (pkg/inngest/function.go) takes
        # only int results, so the factor is 0 and "high" waits its turn. Seen on the server
        # (concurrency 1, p 600): event.data.p ran first, low1, low2, high; int(...) ran high
        # ahead of both lows.
        ("event.data.priority", ["x", "l1", "l2", "high"]),
    ],
)
async def test_priority_counts_int_results_up_to_twelve_hours(
    client: inngest.Inngest, expression: str, order: list[str]
) -> None:
    fn = one_step(
        client,
        "twelve-hours",
        concurrency=[inngest.Concurrency(limit=1)],
        priority=inngest.Priority(run=expression),
    )
    event = "flow/twelve-hours"
    async with Simulator(client, [fn], start=START, request_latency=3000.0) as sim:
        await sim.send(
            [{"name": event, "data": {"name": n, "priority": 0}} for n in ("x", "l1", "l2")]
        )
        await sim.advance(dt.timedelta(seconds=1000))  # x holds the slot; l1, l2 queued 1000 s ago
        await sim.send({"name": event, "data": {"name": "high", "priority": 5000}})
        runs = {r.output: r for r in await sim.settle()}

    assert sorted(runs, key=lambda name: started_at(sim.trace, runs[name].run_id)) == order


async def test_priority_reorders_the_throttle_queue(client: inngest.Inngest) -> None:
    fn = one_step(
        client,
        "throttled-priority",
        throttle=inngest.Throttle(limit=1, period=dt.timedelta(seconds=10)),
        priority=inngest.Priority(run="int(event.data.priority)"),
    )
    event = "flow/throttled-priority"
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": event, "data": {"name": n, "priority": 0}} for n in "abc"])
        await sim.advance(dt.timedelta(seconds=5))
        await sim.send({"name": event, "data": {"name": "vip", "priority": 600}})
        runs = {r.output: r for r in await sim.settle()}

    starts = {name: started_at(sim.trace, run.run_id) for name, run in runs.items()}
    assert starts == {"a": 0, "vip": 10, "b": 20, "c": 30}


async def test_the_text_timeline_shows_flow_control_decisions() -> None:
    from inngest_sim.timeline import render_timeline

    client = inngest.Inngest(app_id="timeline-flow", is_production=False)

    @client.create_function(
        fn_id="limited",
        trigger=inngest.TriggerEvent(event="tl/limited"),
        rate_limit=inngest.RateLimit(limit=1, period=dt.timedelta(minutes=1)),
    )
    async def limited(ctx: inngest.Context) -> None:
        return None

    async with Simulator(client, [limited]) as sim:
        await sim.send([{"name": "tl/limited"}, {"name": "tl/limited"}])
        await sim.settle()
        text = render_timeline(sim.trace)

    assert "no run of timeline-flow-limited: rate_limit" in text
