"""Step coverage: what a session's simulators exercised, per function, and what they never did."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import inngest

from inngest_sim import Backoff, Simulator
from inngest_sim.coverage import collecting
from inngest_sim.faults import parse_fault_rules

client = inngest.Inngest(app_id="coverage-app", is_production=False)


async def _alert(ctx: inngest.Context) -> None:
    await ctx.step.run("page-someone", lambda: "paged")


@client.create_function(
    fn_id="order",
    trigger=inngest.TriggerEvent(event="app/order"),
    retries=1,
    on_failure=_alert,
)
async def order(ctx: inngest.Context) -> str:
    await ctx.step.run("charge", lambda: "charged")
    paid = await ctx.step.wait_for_event("paid", event="app/paid", timeout=dt.timedelta(hours=1))
    if ctx.event.data.get("explode"):
        await ctx.step.run("ship", _explode)
    return "paid" if paid else "unpaid"


def _explode() -> Any:
    raise RuntimeError("the warehouse is on fire")


async def test_retries_failures_waits_and_on_failure_are_counted(tmp_path: Path) -> None:
    with collecting() as coverage:
        plan = parse_fault_rules(["transient:charge:first=1"])
        async with Simulator(client, [order], faults=plan, backoff=Backoff(jitter=0)) as sim:
            await sim.run(order, {})  # charge retried once; the wait times out
        async with Simulator(client, [order]) as sim:
            await sim.run(order, {"explode": True})  # ship fails for good; on_failure runs
            await sim.settle()
    async with Simulator(client, [order]) as sim:  # closed outside: not counted
        await sim.run(order, {})

    data = coverage.to_dict()
    fn = data["coverage-app-order"]
    assert fn["runs"] == {"Completed": 1, "Failed": 1}
    assert fn["steps"]["charge"] == {"ran": 2, "retried": 1}
    assert fn["steps"]["ship"] == {"retried": 1, "failed": 1}
    assert fn["waits"] == {"paid": {"timed_out": 2}}
    assert fn["on_failure_runs"] == 1
    assert fn["never"] == {"charge": ["failed"], "paid": ["matched"], "ship": ["ran"]}
    assert "coverage-app-order-failure" in data

    paths = coverage.write(tmp_path / "cov")
    assert json.loads((tmp_path / "cov" / "coverage-app-order.json").read_text()) == fn
    assert len(paths) == 2
    text = coverage.render()
    assert "coverage-app-order: 1 Completed, 1 Failed; on_failure ran 1 time(s)" in text
    assert "  paid: never matched" in text
