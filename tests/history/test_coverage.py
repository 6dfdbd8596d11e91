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


@client.create_function(fn_id="race", trigger=inngest.TriggerEvent(event="app/race"))
async def race(ctx: inngest.Context) -> str:
    async def branch(name: str) -> str:
        await ctx.step.run(f"{name}.1", lambda: name)
        return str(await ctx.step.run(f"{name}.2", lambda: name))

    await ctx.group.parallel(
        (lambda: branch("fast"), lambda: branch("slow")),
        parallel_mode=inngest.ParallelMode.RACE,
    )
    await ctx.step.run("after", lambda: 1)
    return "raced"


def _slow(name: str) -> Any:
    def latency(function_id: str, step: str | None) -> float:
        return 0.0 if step is None else 10.0 if step.startswith(name) else 1.0

    return latency


async def test_race_winners_are_counted_and_a_branch_that_never_won_is_listed() -> None:
    with collecting() as coverage:
        for _ in range(2):
            async with Simulator(client, [race], request_latency=_slow("slow")) as sim:
                await sim.run(race, {})

    fn = coverage.to_dict()["coverage-app-race"]
    assert fn["races"] == {"fast.1 | slow.1": {"fast.1": 2}}
    assert fn["never"]["fast.1 | slow.1"] == ["slow.1 won"]

    with collecting() as coverage:
        async with Simulator(client, [race], request_latency=_slow("fast")) as sim:
            await sim.run(race, {})
    assert coverage.to_dict()["coverage-app-race"]["races"] == {"fast.1 | slow.1": {"slow.1": 1}}
