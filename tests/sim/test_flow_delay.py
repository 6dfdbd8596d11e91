"""Options that hold events before a run starts: debounce and batching."""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RunBatched, RunDelayed, Trace

from ._sdk_features import needs_debounce_timeout

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def debounced(client: inngest.Inngest, debounce: inngest.Debounce) -> inngest.Function:
    @client.create_function(
        fn_id="debounced", trigger=inngest.TriggerEvent(event="flow/debounced"), debounce=debounce
    )
    async def fn(ctx: inngest.Context) -> object:
        return ctx.event.data["n"]

    return fn


async def test_debounce_runs_once_with_the_last_event_after_a_quiet_period(
    client: inngest.Inngest,
) -> None:
    fn = debounced(client, inngest.Debounce(period=dt.timedelta(seconds=5)))
    async with Simulator(client, [fn], start=START) as sim:
        for n in range(3):
            await sim.send({"name": "flow/debounced", "data": {"n": n}})
            await sim.advance(2 * SECOND)
        assert sim.runs == []  # still within the quiet period
        (run,) = await sim.settle()

    assert run.output == 2  # the last event wins
    # 5 s after the last event, sent at +4 s, and the server's 1.05 s buffer (debounce.go
    # enqueues the job at ttl + 50 ms + 1 s; seen on the real server: ~6.1 s after one event).
    assert run.queued_at == START + 10.05 * SECOND
    assert [d.until for d in sim.trace.of(RunDelayed)] == [
        (START + s * SECOND).timestamp() for s in (6.05, 8.05, 10.05)
    ]


@needs_debounce_timeout
async def test_debounce_timeout_caps_the_delay(client: inngest.Inngest) -> None:
    fn = debounced(
        client,
        inngest.Debounce(period=dt.timedelta(seconds=5), timeout=dt.timedelta(seconds=8)),
    )
    async with Simulator(client, [fn], start=START) as sim:
        for n in range(4):  # at +0, +3, +6, +9: never 5s of quiet
            await sim.send({"name": "flow/debounced", "data": {"n": n}})
            await sim.advance(3 * SECOND)
        runs = await sim.settle()

    # The first three hit the 8 s cap (the run at 8 s + the 1.05 s buffer); the fourth, after
    # the cap, opens a new debounce (updateDebounce.lua caps the key's ttl at the timeout).
    assert [(r.output, r.queued_at - START) for r in runs] == [
        (2, 9.05 * SECOND),
        (3, 15.05 * SECOND),
    ]


async def test_debounce_key_debounces_each_key_apart(client: inngest.Inngest) -> None:
    fn = debounced(client, inngest.Debounce(period=dt.timedelta(seconds=5), key="event.data.k"))
    async with Simulator(client, [fn], start=START) as sim:
        ids = await sim.send(
            [{"name": "flow/debounced", "data": {"n": n, "k": n % 2}} for n in range(4)]
        )
        runs = await sim.settle()

        assert sorted(r.output for r in runs) == [2, 3]
        # A run belongs to the event it ran with; replaced events have none.
        assert [r.output for r in sim.runs_for(ids[2])] == [2]
        assert sim.runs_for(ids[0]) == []


def batched(client: inngest.Inngest, batch: inngest.Batch) -> inngest.Function:
    @client.create_function(
        fn_id="batched", trigger=inngest.TriggerEvent(event="flow/batched"), batch_events=batch
    )
    async def fn(ctx: inngest.Context) -> dict[str, object]:
        return {"first": ctx.event.data["n"], "all": [e.data["n"] for e in ctx.events]}

    return fn


async def test_batches_start_when_full_or_at_the_timeout(client: inngest.Inngest) -> None:
    fn = batched(client, inngest.Batch(max_size=3, timeout=dt.timedelta(seconds=5)))
    async with Simulator(client, [fn], start=START) as sim:
        ids = await sim.send([{"name": "flow/batched", "data": {"n": n}} for n in range(7)])
        runs = await sim.settle()

    assert [r.output for r in runs] == [
        {"first": 0, "all": [0, 1, 2]},
        {"first": 3, "all": [3, 4, 5]},
        {"first": 6, "all": [6]},
    ]
    assert [r.queued_at - START for r in runs] == [0 * SECOND, 0 * SECOND, 5 * SECOND]
    assert [(b.reason, len(b.event_ids)) for b in sim.trace.of(RunBatched)] == [
        ("full", 3),
        ("full", 3),
        ("timeout", 1),
    ]
    # Every event of a batch leads to its run.
    assert [r.run_id for r in sim.runs_for(ids[4])] == [runs[1].run_id]
    # The new record kinds survive a saved trace.
    loaded = Trace.from_json(sim.trace.to_json())
    assert loaded.of(RunBatched) == sim.trace.of(RunBatched)
    assert loaded.of(RunDelayed) == sim.trace.of(RunDelayed)


async def test_batch_key_and_condition(client: inngest.Inngest) -> None:
    fn = batched(
        client,
        inngest.Batch(
            max_size=2,
            timeout=dt.timedelta(seconds=5),
            key="event.data.k",
            if_exp="event.data.n < 100",
        ),
    )
    events = [{"name": "flow/batched", "data": {"n": n, "k": n % 2}} for n in (0, 1, 2, 3, 100)]
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send(events)
        runs = await sim.settle()

    assert sorted(r.output["all"] for r in runs) == [[0, 2], [1, 3], [100]]


async def test_a_batched_event_id_is_remembered_for_thirty_minutes(
    client: inngest.Inngest,
) -> None:
    # batch/redis.go defaultEventIdempotenceSetTTL = 1800 s: append.lua's per-event SET NX
    # (read from the code, not run on the server).
    fn = batched(client, inngest.Batch(max_size=2, timeout=dt.timedelta(seconds=5)))
    event = {"name": "flow/batched", "id": "same-id", "data": {"n": 1}}
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([event, {**event, "data": {"n": 2}}])  # the repeat is dropped
        await sim.advance(dt.timedelta(minutes=29))
        await sim.send({**event, "data": {"n": 3}})  # still within 30 minutes: dropped
        await sim.advance(dt.timedelta(minutes=2))
        await sim.send({**event, "data": {"n": 4}})  # after 30 minutes: joins a new batch
        runs = await sim.settle()

    assert [r.output["all"] for r in runs] == [[1], [4]]
