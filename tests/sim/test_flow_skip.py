"""Options that drop events: rate limit, idempotency, repeated event ids, singleton."""

from __future__ import annotations

import datetime as dt

import inngest

from inngest_sim import Simulator
from inngest_sim.trace import RunSkipped, Trace

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def one_step(client: inngest.Inngest, fn_id: str, **options: object) -> inngest.Function:
    @client.create_function(
        fn_id=fn_id,
        trigger=inngest.TriggerEvent(event=f"flow/{fn_id}"),
        **options,  # type: ignore[arg-type]
    )
    async def fn(ctx: inngest.Context) -> object:
        await ctx.step.run("work", lambda: None)
        if ctx.event.data.get("nap"):
            await ctx.step.sleep("nap", dt.timedelta(minutes=1))
        return ctx.event.data.get("name")

    return fn


def skips(trace: Trace) -> list[tuple[str, str | None]]:
    return [(s.reason, s.key) for s in trace.of(RunSkipped)]


async def test_rate_limit_skips_events_over_the_limit(client: inngest.Inngest) -> None:
    fn = one_step(
        client, "limited", rate_limit=inngest.RateLimit(limit=1, period=dt.timedelta(minutes=1))
    )
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/limited", "data": {"name": n}} for n in "abc"])
        assert [r.output for r in await sim.settle()] == ["a"]
        assert skips(sim.trace) == [("rate_limit", None), ("rate_limit", None)]

        await sim.advance(dt.timedelta(minutes=1))  # the next period
        await sim.send({"name": "flow/limited", "data": {"name": "d"}})
        assert [r.output for r in await sim.settle()] == ["a", "d"]


async def test_rate_limit_is_per_key_and_smooths_like_the_server(client: inngest.Inngest) -> None:
    fn = one_step(
        client,
        "keyed",
        rate_limit=inngest.RateLimit(
            limit=10, period=dt.timedelta(minutes=1), key="event.data.user"
        ),
    )
    async with Simulator(client, [fn], start=START) as sim:
        # The server's GCRA: limit 10 per minute is one per 6s, with limit//10 = 1
        # extra at once, so of 5 simultaneous events 2 start.
        await sim.send([{"name": "flow/keyed", "data": {"user": "u1"}}] * 5)
        await sim.send({"name": "flow/keyed", "data": {"user": "u2"}})
        assert len(await sim.settle()) == 3
        await sim.advance(dt.timedelta(seconds=6))
        await sim.send([{"name": "flow/keyed", "data": {"user": "u1"}}] * 2)
        assert len(await sim.settle()) == 4
    assert skips(sim.trace) == [("rate_limit", "u1")] * 4


async def test_idempotency_key_allows_one_run_per_key_per_day(client: inngest.Inngest) -> None:
    fn = one_step(client, "once", idempotency="event.data.order")
    async with Simulator(client, [fn], start=START) as sim:
        orders = [
            {"name": "flow/once", "data": {"order": o, "name": o}} for o in ("o1", "o1", "o2")
        ]
        await sim.send(orders)
        assert [r.output for r in await sim.settle()] == ["o1", "o2"]
        assert skips(sim.trace) == [("idempotency", "o1")]

        await sim.advance(dt.timedelta(hours=23))
        await sim.send(orders[0])
        assert len(await sim.settle()) == 2  # still within 24h
        await sim.advance(dt.timedelta(hours=1))
        await sim.send(orders[0])
        assert [r.output for r in await sim.settle()] == ["o1", "o2", "o1"]


async def test_an_event_id_sent_twice_starts_one_run(client: inngest.Inngest) -> None:
    fn = one_step(client, "dedupe")
    event = {"name": "flow/dedupe", "id": "evt-1", "data": {"name": "first"}}
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send(event)
        await sim.send({**event, "data": {"name": "second"}})
        runs = await sim.settle()
        assert [r.output for r in runs] == ["first"]
        assert [r.run_id for r in sim.runs_for("evt-1")] == [runs[0].run_id]
        assert skips(sim.trace) == [("event_id", "evt-1")]

        await sim.advance(dt.timedelta(hours=24))  # the dedupe window is 24h
        await sim.send(event)
        assert len(await sim.settle()) == 2


async def test_event_ids_past_the_window_are_forgotten(client: inngest.Inngest) -> None:
    # Flow control kept every event id it saw, and with it every run, for as long as the
    # simulator lived (a long-lived dev server, --keep-runs or not); past the 24h window an
    # id decides nothing, so it goes as later events arrive.
    fn = one_step(client, "forget")
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{"name": "flow/forget", "id": f"old-{n}"} for n in range(3)])
        await sim.settle()
        await sim.advance(dt.timedelta(hours=23))
        await sim.send({"name": "flow/forget", "id": "recent"})
        await sim.advance(dt.timedelta(hours=1))
        await sim.send({"name": "flow/forget", "id": "now"})
        await sim.send({"name": "flow/forget", "id": "recent"})  # still a repeat
        await sim.settle()
        seen = [event_id for _, event_id in sim._runtime.flow._seen]  # type: ignore[union-attr]

    assert seen == ["recent", "now"]
    assert skips(sim.trace) == [("event_id", "recent")]


async def test_singleton_skip_drops_runs_while_one_is_running(client: inngest.Inngest) -> None:
    fn = one_step(client, "single", singleton=inngest.Singleton(mode="skip", key="event.data.user"))
    event = {"name": "flow/single", "data": {"nap": True}}
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send([{**event, "data": {"nap": True, "user": u}} for u in ("a", "a", "b")])
        runs = await sim.settle()
        assert [r.status for r in runs] == ["Completed", "Completed"]  # one for a, one for b
        assert skips(sim.trace) == [("singleton", "a")]

        await sim.send({**event, "data": {"nap": True, "user": "a"}})  # a is idle again
        assert len(await sim.settle()) == 3


async def test_singleton_cancel_replaces_the_running_run(client: inngest.Inngest) -> None:
    fn = one_step(client, "replace", singleton=inngest.Singleton(mode="cancel"))
    async with Simulator(client, [fn], start=START) as sim:
        await sim.send({"name": "flow/replace", "data": {"nap": True, "name": "old"}})
        await sim.advance(dt.timedelta(seconds=10))  # "old" is asleep
        await sim.send({"name": "flow/replace", "data": {"nap": True, "name": "new"}})
        old, new = await sim.settle()

    assert (old.status, new.status, new.output) == ("Cancelled", "Completed", "new")
    assert old.error is not None
    assert "singleton" in old.error["message"]
    assert old.ended_at == START + dt.timedelta(seconds=10)
