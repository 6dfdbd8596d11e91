"""Signal waits (opcode ``WaitForSignal``) as the server keeps them, driven by scripted ops
(the Python SDK has no ``waitForSignal``; the TypeScript app's tests are in tests/dev)."""

from __future__ import annotations

import datetime as dt
import json

import inngest

from inngest_sim import Simulator
from inngest_sim._runtime.signals import SIGNAL_CONFLICT_ERROR
from tests.robustness._garbage import SDK, Answer, GarbageApp

WAIT = {"op": "WaitForSignal", "id": "w", "name": "w", "opts": {"signal": "s", "timeout": "1h"}}


def _waits_for_signal(times: int) -> tuple[inngest.Inngest, GarbageApp]:
    client = inngest.Inngest(app_id="signals", is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="s/f"), retries=0)
    async def f(ctx: inngest.Context) -> str:
        return "done"

    script = [Answer(206, SDK, json.dumps([WAIT]).encode()) for _ in range(times)]
    return client, GarbageApp(client, [f], script)


async def test_a_second_waiter_on_a_name_fails_until_the_first_run_ends() -> None:
    client, app = _waits_for_signal(3)
    async with Simulator.from_app(app, client=client) as sim:
        with sim.hold_time():
            (first,) = await sim.send({"name": "s/f"})
            await sim.advance(dt.timedelta(minutes=1))
            (second,) = await sim.send({"name": "s/f"})
            await sim.advance(dt.timedelta(minutes=1))
            (waiting,) = sim.runs_for(first)
            sim._engine.cancel(sim._run_state(waiting.run_id), "test")  # its name is free
            (third,) = await sim.send({"name": "s/f"})
            await sim.advance(dt.timedelta(minutes=1))
            resumed = await sim.signal("s", {"ok": True})
        runs = [sim.runs_for(e)[0] for e in (first, second, third)]
        await sim.settle()
        statuses = [sim.result(r.run_id).status for r in runs]

    # executor.go: a second wait on a name another run holds fails its run at once.
    assert sim.result(runs[1].run_id).error == SIGNAL_CONFLICT_ERROR
    assert statuses == ["Cancelled", "Failed", "Completed"]
    assert resumed == runs[2].run_id
