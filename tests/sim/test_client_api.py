"""The SDK client's own calls land in the simulator: send, send_sync, realtime publish."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import httpx
import inngest
import pytest
from inngest.experimental import realtime

from inngest_sim import RealClock, Simulator
from inngest_sim._ids import IdSource
from inngest_sim.trace import ApiCalled, Published


def _pair() -> tuple[inngest.Inngest, inngest.Function]:  # type: ignore[type-arg]
    client = inngest.Inngest(app_id="client-api", is_production=False)

    @client.create_function(fn_id="on-ping", trigger=inngest.TriggerEvent(event="c/ping"))
    async def on_ping(ctx: inngest.Context) -> int:
        await realtime.publish(client, "pings", "seen", {"n": ctx.event.data["n"]})
        return int(ctx.event.data["n"])  # type: ignore[arg-type]

    return client, on_ping


async def test_client_send_from_a_test_triggers_functions() -> None:
    client, on_ping = _pair()
    async with Simulator(client, [on_ping]) as sim:
        ids = await client.send(inngest.Event(name="c/ping", data={"n": 1}))
        await sim.settle()
        (run,) = sim.runs_for(ids[0])

    assert run.status == "Completed"
    assert run.output == 1
    assert sim.published == [{"channel": "pings", "topic": "seen", "data": {"n": 1}}]
    # Realtime messages and the SDK's calls to the Inngest API are records of the trace.
    (published,) = sim.trace.of(Published)
    assert (published.channel, published.topic, published.data) == ("pings", "seen", {"n": 1})
    calls = [(c.method, c.path, c.status) for c in sim.trace.of(ApiCalled)]
    assert calls[0][0] == "POST"
    assert calls[0][1].endswith("/fn/register")
    assert [(m, p.split("/")[1], s) for m, p, s in calls[1:]] == [
        ("POST", "e", 200),  # client.send
        ("POST", "v1", 200),  # realtime publish
    ]


async def test_client_send_sync_from_a_sync_function_triggers_functions() -> None:
    client, on_ping = _pair()

    @client.create_function(fn_id="sender", trigger=inngest.TriggerEvent(event="c/send"))
    def sender(ctx: inngest.ContextSync) -> list[str]:
        # A plain send (not a step): runs again on every replay, like on Inngest.
        return client.send_sync(inngest.Event(name="c/ping", data={"n": 2}))

    async with Simulator(client, [on_ping, sender]) as sim:
        run = await sim.run(sender)
        await sim.settle()
        (ping,) = sim.runs_for(run.output[0])

    assert ping.output == 2


async def test_a_wait_condition_that_does_not_parse_fails_the_run_clearly() -> None:
    client = inngest.Inngest(app_id="bad-wait", is_production=False)

    @client.create_function(fn_id="w", trigger=inngest.TriggerEvent(event="c/w"))
    async def waits(ctx: inngest.Context) -> None:
        await ctx.step.wait_for_event(
            "paid", event="c/paid", if_exp="async.data.id ==", timeout=dt.timedelta(hours=1)
        )

    async with Simulator(client, [waits]) as sim:
        run = await sim.run(waits)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrInvalidExpression"
    assert "'paid'" in run.error["message"]
    assert "does not parse as CEL" in run.error["message"]


async def test_the_same_executor_runs_on_the_real_clock() -> None:
    client, on_ping = _pair()
    async with Simulator(client, [on_ping], clock=RealClock()) as sim:
        run = await sim.run(on_ping, data={"n": 3})

    assert run.status == "Completed"
    assert run.output == 3
    # On the real clock nothing is frozen: the run's time is the wall's.
    now = dt.datetime.now(dt.UTC)
    assert abs((now - run.queued_at).total_seconds()) < 60


async def test_event_ids_repeat_with_the_seed_though_the_sdk_seeds_them_from_secrets() -> None:
    # The SDK puts fresh `secrets` entropy in x-inngest-event-id-seed on every send; ids
    # taken from it would make two runs of one test differ.
    sent = []
    for _ in range(2):
        client, on_ping = _pair()
        start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
        async with Simulator(client, [on_ping], seed=7, start=start) as sim:
            ids = await client.send(
                [inngest.Event(name="c/ping", data={"n": 1}), inngest.Event(name="c/ping")]
            )
            await sim.settle()
        sent.append(ids)

    assert sent[0] == sent[1]
    assert len(set(sent[0])) == 2


async def test_a_retried_send_with_the_same_seed_header_gets_the_same_ids() -> None:
    client, on_ping = _pair()
    async with Simulator(client, [on_ping]) as sim:
        assert sim.api is not None

        def send(seed: str) -> list[str]:
            request = httpx.Request(
                "POST",
                "http://inngest-sim.invalid/e/key",
                json=[{"name": "c/other"}, {"name": "c/other"}],
                headers={"x-inngest-event-id-seed": seed},
            )
            ids: list[str] = sim.api.handle(request).json()["ids"]
            return ids

        first = send("1893456000000,AAECAwQFBgcICQ==")
        again = send("1893456000000,AAECAwQFBgcICQ==")
        other = send("1893456000000,CQgHBgUEAwIBAA==")

    assert first == again
    assert set(first).isdisjoint(other)
    assert all(i.startswith("01Q3DCBD00") for i in first)  # the header's milliseconds


async def test_events_sent_from_another_thread_get_their_ids_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The seeded id source is the loop's: a sync function's worker thread that sends an
    # event with no id (an SDK without the event-id seed header, or any raw POST) must not
    # draw from it while the loop draws too (the draws would interleave by thread timing).
    drawn_on: list[str] = []
    ulid = IdSource.ulid

    def watched(self: IdSource, now: float) -> str:
        drawn_on.append(threading.current_thread().name)
        return ulid(self, now)

    client, on_ping = _pair()
    async with Simulator(client, [on_ping]) as sim:
        assert sim.api is not None
        monkeypatch.setattr(IdSource, "ulid", watched)
        request = httpx.Request(
            "POST", "http://inngest.test/e/key", json=[{"name": "c/ping", "data": {"n": 3}}]
        )
        response = await asyncio.to_thread(sim.api.handle, request)
        await sim.settle()

    assert response.status_code == 200, response.text
    (event_id,) = response.json()["ids"]
    assert [run.status for run in sim.runs_for(event_id)] == ["Completed"]
    assert drawn_on
    assert set(drawn_on) == {threading.current_thread().name}
