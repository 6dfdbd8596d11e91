"""Every public entry point that takes events checks them the same way.

``sim.send``, ``sim.run(event=...)``, ``sim.run(events=...)`` and their ``SyncSimulator``
twins take the same events (dicts, or the SDK's own ``inngest.Event``) and refuse the same
ones with the same error, as the Event API would: never a raw ``AttributeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import inngest
import pytest

from inngest_sim import EventRejected, InvalidArgument, Simulator, SyncSimulator

BAD = [
    ({"name": 5}, "event #0 has no name; every event needs a 'name' string"),
    ({"name": ""}, "event #0 has no name"),
    ({"data": {}}, "event #0 has no name"),
    ({"name": "e/x", "data": 3}, "event 'e/x': data must be an object, got int"),
    ({"name": "e/x", "id": 5}, "event 'e/x': id must be a string, got int"),
    ({"name": "e/x", "ts": 1.5}, "event 'e/x': ts must be whole milliseconds"),
    ({"name": "e/x", "data": {"n": float("nan")}}, "not JSON"),
]


def _client() -> tuple[inngest.Inngest, Any]:
    client = inngest.Inngest(app_id="entry-points", is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="e/x"))
    async def f(ctx: inngest.Context) -> Any:
        return ctx.event.data

    return client, f


def _entry_points(sim: Any, fn: Any) -> dict[str, Callable[[Any], Any]]:
    return {
        "send": lambda e: sim.send(e),
        "send([...])": lambda e: sim.send([e]),
        "run(event=)": lambda e: sim.run(fn, event=e),
        "run(events=)": lambda e: sim.run(fn, events=[e]),
    }


def _refusal(call: Callable[[], Any]) -> tuple[type[BaseException], str]:
    try:
        call()
    except (EventRejected, InvalidArgument) as exc:
        return type(exc), str(exc)
    raise AssertionError("accepted")


@pytest.mark.parametrize(("event", "said"), BAD, ids=[s.split(":")[0] for _, s in BAD])
async def test_a_bad_event_is_refused_alike_by_every_entry_point(
    event: dict[str, Any], said: str
) -> None:
    client, fn = _client()
    refusals = {}
    async with Simulator(client, [fn]) as sim:
        for name, call in _entry_points(sim, fn).items():
            try:
                await call(event)
            except (EventRejected, InvalidArgument) as exc:
                refusals[name] = (type(exc), str(exc).replace("events[0]", "event"))
    with SyncSimulator(client, [fn]) as sync:
        for name, call in _entry_points(sync, fn).items():
            refusals[f"sync {name}"] = _refusal(lambda call=call: call(event))

    assert len(refusals) == 8, refusals
    kinds = {kind for kind, _ in refusals.values()}
    assert len(kinds) == 1, refusals
    for kind, message in refusals.values():
        assert said in message, (kind, message)


async def test_the_sdks_own_event_is_taken_by_every_entry_point() -> None:
    client, fn = _client()
    event = inngest.Event(name="e/x", data={"n": 1})
    async with Simulator(client, [fn]) as sim:
        (sent,) = await sim.send(event)
        await sim.settle()
        (by_send,) = sim.runs_for(sent)
        by_run = await sim.run(fn, event=event)
        batch = await sim.run(fn, events=[event, inngest.Event(name="e/x")])
    with SyncSimulator(client, [fn]) as sync:
        by_sync = sync.run(fn, event=event)

    assert [r.output for r in (by_send, by_run, by_sync)] == [{"n": 1}] * 3
    assert batch.status == "Completed"
    # As the SDK sends it: an id and a ts the Event API stamps, not "" and 0.
    assert by_run.event["id"]
    assert by_run.event["ts"] > 0
