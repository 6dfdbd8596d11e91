"""The Event API as the Inngest server normalises what it is sent (``pkg/event/inbound.go``).

Reserved ``inngest/`` names are refused, ``data._inngest`` is removed, and an event whose
``ts`` lies in the future starts its run at ``ts`` (``pkg/execution/executor/executor.go``
schedule()).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import inngest
import pytest

from inngest_sim import EventRejected, Simulator
from inngest_sim.trace import RequestSent, RunQueued

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _echo(client: inngest.Inngest) -> inngest.Function:
    @client.create_function(fn_id="echo", trigger=inngest.TriggerEvent(event="app/echo"))
    async def echo(ctx: inngest.Context) -> object:
        return dict(ctx.event.data)

    return echo


@pytest.mark.parametrize("name", ["inngest/function.failed", "Inngest/Function.Finished"])
async def test_sim_send_refuses_a_reserved_name(client: inngest.Inngest, name: str) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        with pytest.raises(EventRejected) as caught:
            await sim.send({"name": name, "data": {}})
        assert sim.runs == []

    # inbound.go: fmt.Errorf("%w: %s", ErrInternalEventName, evt.Name); the server answered
    # 400 {"ids": [""], "status": 400, "error": "event name is reserved ...: <name>"}.
    assert str(caught.value).startswith(f"event name is reserved for internal use: {name};")
    assert "sim.run(fn, event=" in str(caught.value)


async def test_the_event_api_answers_a_reserved_name_with_400(client: inngest.Inngest) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        assert sim.api is not None
        request = httpx.Request(
            "POST",
            "http://inngest-sim.invalid/e/key",
            json=[{"name": "app/echo"}, {"name": "inngest/function.finished"}],
        )
        answer = sim.api.handle(request)
        await sim.settle()
        runs = sim.runs

    # api.go: the events before the bad one are handled, then 400 {ids, status, error}. Seen
    # on the server for [ok, "inngest/x", ok]: one id, the error, the third event not taken.
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == 400
    assert body["error"] == "event name is reserved for internal use: inngest/function.finished"
    assert len(body["ids"]) == 1
    assert len(runs) == 1


async def test_a_refused_first_event_answers_one_empty_id(client: inngest.Inngest) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        assert sim.api is not None
        request = httpx.Request(
            "POST", "http://inngest-sim.invalid/e/key", json={"name": "Inngest/Function.Finished"}
        )
        answer = sim.api.handle(request)

    # Seen on the server (api.go answers ids[0:max+1]).
    assert answer.status_code == 400
    assert answer.json() == {
        "ids": [""],
        "status": 400,
        "error": "event name is reserved for internal use: Inngest/Function.Finished",
    }


async def test_a_senders_inngest_data_is_removed(client: inngest.Inngest) -> None:
    # Seen on the server: the function got {"n": "forged"}.
    forged: dict[str, Any] = {"n": 1, "_inngest": {"correlation_id": "forged"}}
    async with Simulator(client, [_echo(client)], start=START) as sim:
        await sim.send({"name": "app/echo", "data": forged})
        await client.send(inngest.Event(name="app/echo", data=forged))
        runs = await sim.settle()

    assert [run.output for run in runs] == [{"n": 1}, {"n": 1}]
    assert forged["_inngest"] == {"correlation_id": "forged"}  # the caller's dict is untouched


async def test_a_future_ts_starts_the_run_at_ts(client: inngest.Inngest) -> None:
    # Seen on the server: an event with ts 40 s ahead ran 40 s after it was sent.
    later = START + dt.timedelta(hours=2)
    async with Simulator(client, [_echo(client)], start=START) as sim:
        (event_id,) = await sim.send(
            {"name": "app/echo", "data": {"n": 1}, "ts": int(later.timestamp() * 1000)}
        )
        (run,) = await sim.settle()
        queued = sim.trace.of(RunQueued, run.run_id)[0]
        first = sim.trace.of(RequestSent, run.run_id)[0]

    assert [r.run_id for r in sim.runs_for(event_id)] == [run.run_id]
    assert queued.t == START.timestamp()  # the run exists at once
    assert first.t == later.timestamp()  # and starts at ts


async def test_a_past_ts_starts_the_run_now(client: inngest.Inngest) -> None:
    earlier = START - dt.timedelta(days=1)
    async with Simulator(client, [_echo(client)], start=START) as sim:
        await sim.send({"name": "app/echo", "data": {}, "ts": int(earlier.timestamp() * 1000)})
        (run,) = await sim.settle()

    assert sim.trace.of(RequestSent, run.run_id)[0].t == START.timestamp()
