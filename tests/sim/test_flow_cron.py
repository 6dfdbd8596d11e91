"""Cron triggers fire while ``advance()`` moves virtual time, and never block ``settle()``."""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RequestSent

from ._sdk_features import needs_cron_jitter

START = dt.datetime(2026, 1, 1, 0, 1, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


def scheduled(client: inngest.Inngest, cron: str, jitter: str | None = None) -> inngest.Function:
    @client.create_function(fn_id="cron", trigger=inngest.TriggerCron(cron=cron, jitter=jitter))
    async def fn(ctx: inngest.Context) -> dict[str, object]:
        await ctx.step.run("work", lambda: None)
        return {"name": ctx.event.name, "data": dict(ctx.event.data)}

    return fn


async def test_cron_fires_at_each_instant_advance_passes(client: inngest.Inngest) -> None:
    fn = scheduled(client, "*/5 * * * *")
    async with Simulator(client, [fn], start=START) as sim:
        assert await sim.settle() == []  # a schedule is not pending work: settle returns
        await sim.advance(16 * MINUTE)  # 00:01 -> 00:17
        runs = await sim.settle()
        assert sim.clock.now() == (START + 16 * MINUTE).timestamp()

    assert [r.queued_at.strftime("%H:%M") for r in runs] == ["00:05", "00:10", "00:15"]
    assert {r.status for r in runs} == {"Completed"}
    # pkg/execution/executor/service.go handleCron: the event the server sends. Seen on the
    # server (jitter 20s): id "2026-12-06T17:45:00Z", data {cron, scheduledAt
    # "2026-12-06T17:45:00Z", fireAt "2026-12-06T17:45:14Z"}, ts fireAt with its milliseconds.
    assert runs[0].output == {
        "name": "inngest/scheduled.timer",
        "data": {
            "cron": "*/5 * * * *",
            "scheduledAt": "2026-01-01T00:05:00Z",
            "fireAt": "2026-01-01T00:05:00Z",
        },
    }
    assert runs[0].event["id"] == "2026-01-01T00:05:00Z"


async def test_settle_and_wait_do_not_fire_cron_but_later_advances_do(
    client: inngest.Inngest,
) -> None:
    @client.create_function(fn_id="sleepy", trigger=inngest.TriggerEvent(event="flow/sleepy"))
    async def sleepy(ctx: inngest.Context) -> None:
        await ctx.step.sleep("nap", dt.timedelta(hours=1))

    fn = scheduled(client, "0 * * * *")
    async with Simulator(client, [fn, sleepy], start=START) as sim:
        await sim.run(sleepy)  # an hour passes, through 01:00: no cron run
        assert [r.function_id for r in sim.runs] == ["sim-tests-sleepy"]
        await sim.advance(dt.timedelta(hours=2))  # 01:01 -> 03:01: 02:00 and 03:00
        runs = [r for r in await sim.settle() if r.function_id == "sim-tests-cron"]

    assert [r.queued_at.strftime("%H:%M") for r in runs] == ["02:00", "03:00"]


async def test_cron_time_zone_prefix(client: inngest.Inngest) -> None:
    fn = scheduled(client, "TZ=Europe/Paris 0 12 * * *")
    async with Simulator(client, [fn], start=START) as sim:
        await sim.advance(dt.timedelta(days=1))
        (run,) = await sim.settle()

    assert run.queued_at == dt.datetime(2026, 1, 1, 11, tzinfo=dt.UTC)  # noon in Paris


@needs_cron_jitter
async def test_cron_jitter_delays_each_start_within_one_second_and_the_jitter(
    client: inngest.Inngest,
) -> None:
    # service.go handleCron: the run is scheduled at fireAt = scheduledAt + jitter, drawn by
    # cron.DeterministicJitter in [MinCronJitter (1 s), jitter).
    fn = scheduled(client, "*/5 * * * *", jitter="30s")
    async with Simulator(client, [fn], start=START, seed=7) as sim:
        await sim.advance(11 * MINUTE)
        runs = await sim.settle()
        starts = [sim.trace.of(RequestSent, r.run_id)[0].t for r in runs]

    hour = START.replace(minute=0)
    assert [r.queued_at - hour for r in runs] == [5 * MINUTE, 10 * MINUTE]
    for run, start, instant in zip(runs, starts, (5 * MINUTE, 10 * MINUTE), strict=True):
        fire_at = dt.datetime.fromtimestamp(start, tz=dt.UTC)
        assert (
            instant + dt.timedelta(seconds=1) <= fire_at - hour < instant + dt.timedelta(seconds=30)
        )
        assert run.event["data"]["fireAt"] == fire_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert run.event["ts"] == int(start * 1000)


async def test_cron_jitter_is_the_same_draw_for_the_same_seed(client: inngest.Inngest) -> None:
    fn = scheduled(client, "*/5 * * * *", jitter="5m")
    fire_ats = []
    for _ in range(2):
        async with Simulator(client, [fn], start=START, seed=3) as sim:
            await sim.advance(16 * MINUTE)
            fire_ats.append([r.event["data"]["fireAt"] for r in await sim.settle()])

    assert fire_ats[0] == fire_ats[1]
    assert len(set(fire_ats[0])) == 3


async def test_cron_runs_are_not_batched(client: inngest.Inngest) -> None:
    # service.go handleCron calls the executor's Schedule directly; batching is the runner's.
    @client.create_function(
        fn_id="cron-batch",
        trigger=inngest.TriggerCron(cron="*/5 * * * *"),
        batch_events=inngest.Batch(max_size=10, timeout=dt.timedelta(minutes=30)),
    )
    async def fn(ctx: inngest.Context) -> int:
        return len(ctx.events)

    async with Simulator(client, [fn], start=START) as sim:
        await sim.advance(11 * MINUTE)
        runs = await sim.settle()

    assert [(r.queued_at.strftime("%H:%M"), r.output) for r in runs] == [("00:05", 1), ("00:10", 1)]
