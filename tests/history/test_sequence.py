"""Step-sequence snapshots: a normalised record of what a run did, held to a syrupy snapshot."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import inngest
from syrupy.assertion import SnapshotAssertion

from inngest_sim import Backoff, Simulator
from inngest_sim.faults import parse_fault_rules

client = inngest.Inngest(app_id="sequence-app", is_production=False)


@client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="app/child"))
async def child(ctx: inngest.Context) -> int:
    return 7


@client.create_function(fn_id="flow", trigger=inngest.TriggerEvent(event="app/flow"), retries=1)
async def flow(ctx: inngest.Context) -> dict[str, Any]:
    first = await ctx.step.run("first", lambda: 1)
    await ctx.group.parallel(
        tuple(
            (lambda n=n: ctx.step.run(f"part-{n}", lambda: n))  # type: ignore[misc]
            for n in range(3)
        )
    )
    await ctx.step.sleep("pause", dt.timedelta(minutes=90))
    await ctx.step.wait_for_event("approval", event="app/ok", timeout=dt.timedelta(hours=1))
    await ctx.step.invoke("call-child", function=child, data={})
    with contextlib.suppress(inngest.StepError):
        await ctx.step.run("flaky", _always_fails)
    return {"first": first}


def _always_fails() -> None:
    raise ValueError("no luck")


async def _sequence(seed: int) -> str:
    plan = parse_fault_rules(["transient:part-1:first=1"])
    async with Simulator(
        client, [flow, child], faults=plan, backoff=Backoff(jitter=0), completion_order=seed
    ) as sim:
        run = await sim.run(flow, {})
    return run.step_sequence()


async def test_the_step_sequence_matches_its_snapshot(snapshot: SnapshotAssertion) -> None:
    assert await _sequence(seed=0) == snapshot


async def test_the_sequence_does_not_depend_on_the_order_parallel_steps_finish() -> None:
    assert len({await _sequence(seed=s) for s in range(4)}) == 1


async def test_the_sequence_says_what_happened_in_words() -> None:
    text = await _sequence(seed=0)

    assert text.splitlines() == [
        "run sequence-app-flow",
        "step first: ok",
        "parallel:",
        "  step part-0: ok",
        "  step part-1: error, ok",
        "  step part-2: ok",
        "sleep pause: 1h30m",
        "wait approval for 'app/ok' (timeout 1h): timed out",
        "invoke call-child -> sequence-app-child: ok",
        "step flaky: error, failed",
        "Completed",
    ]
