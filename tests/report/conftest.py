"""Traces for the report tests, made by running real functions in the simulator.

The runs cover what the report draws: parallel steps, retries with backoff, a
failed step, a one-hour sleep, hostile step ids, outputs and payloads, a parent
that invokes a child, and a run of 999 steps in 111 parallel groups of 9, one
step of each group failing its first attempt (the step limit is raised to let it
complete). Each trace is recorded once per session: the 999-step run takes about a
minute (the SDK replays every step on each request).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any, ClassVar

import inngest
import pytest

from inngest_sim import Backoff, FaultPlan, Limits, Simulator, Trace
from inngest_sim.trace import Record, RequestSent, ResponseHandled, RunQueued, Waiting

HOSTILE_STEP = "</script><img src=x onerror=\"alert('step')\">&amp;"
HOSTILE_QUOTES = 'it\'s a "quoted" </SCRIPT > <!-- step'
HOSTILE_MESSAGE = "bad input </script><script>alert('message')</script> & <b>bold</b>"
HOSTILE_VALUE = "<img src=x onerror=\"alert('value')\"></script><script>alert(1)</script>"
BIG_GROUPS = 111
GROUP_SIZE = 9
BIG = BIG_GROUPS * GROUP_SIZE  # 999 steps


def _functions() -> tuple[inngest.Inngest, dict[str, inngest.Function[Any]]]:
    client = inngest.Inngest(app_id="report-tests", is_production=False)
    calls = {"thumb-128": 0}

    @client.create_function(
        fn_id="thumbnails", trigger=inngest.TriggerEvent(event="test/thumbnails"), retries=3
    )
    async def thumbnails(ctx: inngest.Context) -> int:
        sizes = await ctx.step.run("plan", lambda: [64, 128, 256])

        def thumb(size: int) -> Any:
            async def body() -> int:
                if size == 128:
                    calls["thumb-128"] += 1
                    if calls["thumb-128"] < 3:
                        raise ConnectionError("provider unavailable")
                return size

            return lambda: ctx.step.run(f"thumb-{size}", body)

        await ctx.group.parallel(tuple(thumb(s) for s in sizes))
        await ctx.step.sleep("cool-down", dt.timedelta(hours=1))
        return await ctx.step.run("publish", lambda: len(sizes))

    @client.create_function(
        fn_id="doomed", trigger=inngest.TriggerEvent(event="test/doomed"), retries=1
    )
    async def doomed(ctx: inngest.Context) -> int:
        await ctx.step.run("fetch", lambda: 1)

        def parse() -> int:
            raise ValueError(HOSTILE_MESSAGE)

        return await ctx.step.run("parse", parse)

    @client.create_function(
        fn_id="hostile", trigger=inngest.TriggerEvent(event="test/hostile"), retries=0
    )
    async def hostile(ctx: inngest.Context) -> dict[str, str]:
        await ctx.step.run(HOSTILE_STEP, lambda: {"html": HOSTILE_VALUE})
        await ctx.step.run(HOSTILE_QUOTES, lambda: 2)
        return {"out": HOSTILE_VALUE}

    @client.create_function(fn_id="big", trigger=inngest.TriggerEvent(event="test/big"), retries=2)
    async def big(ctx: inngest.Context) -> int:
        total = 0
        for g in range(BIG_GROUPS):
            group = tuple(
                (lambda g=g, i=i: ctx.step.run(f"item-{g}-{i}", lambda: g * GROUP_SIZE + i))
                for i in range(GROUP_SIZE)
            )
            total += sum(await ctx.group.parallel(group))
        return total

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="test/child"))
    async def child(ctx: inngest.Context) -> str:
        return await ctx.step.run("render", lambda: f"rendered {ctx.event.data['page']}")

    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="test/parent"))
    async def parent(ctx: inngest.Context) -> Any:
        return await ctx.step.invoke("render-page", function=child, data={"page": 3})

    fns = {
        "thumbnails": thumbnails,
        "doomed": doomed,
        "hostile": hostile,
        "big": big,
        "child": child,
        "parent": parent,
    }
    return client, fns


EVENTS = {"hostile": {"name": "test/hostile", "data": {"note": HOSTILE_VALUE}}}


async def _record(
    names: list[str], latency: float, limits: Limits | None, faults: FaultPlan | None
) -> Trace:
    client, fns = _functions()
    async with Simulator(
        client,
        list(fns.values()),
        backoff=Backoff(jitter=0),
        request_latency=latency,
        limits=limits,
        faults=faults,
    ) as sim:
        for name in names:
            await sim.run(fns[name], event=EVENTS.get(name))
        await sim.settle()
        return sim.trace


def record(
    names: list[str],
    latency: float = 0.0,
    limits: Limits | None = None,
    faults: FaultPlan | None = None,
) -> Trace:
    return asyncio.run(_record(names, latency, limits, faults))


@pytest.fixture(scope="session")
def demo_trace() -> Trace:
    """Parallel steps, retries, a sleep and a failed run, each request 2 s of virtual time."""
    return record(["thumbnails", "doomed"], latency=2.0)


@pytest.fixture(scope="session")
def instant_trace() -> Trace:
    """The same runs with the simulator's default: requests take no virtual time."""
    return record(["thumbnails", "doomed"])


@pytest.fixture(scope="session")
def hostile_trace() -> Trace:
    return record(["hostile", "doomed"])


@pytest.fixture(scope="session")
def big_trace() -> Trace:
    """999 steps in parallel groups of 9; each group's fifth step fails once (111 faults)."""
    plan = FaultPlan()
    plan.transient(step="item-*-4", first=1)
    return record(["big"], limits=Limits(max_steps=BIG + 200), faults=plan)


@pytest.fixture(scope="session")
def family_trace() -> Trace:
    """A parent run that invokes a child run."""
    return record(["parent"])


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class InvokeStarted(Record):
    """A record kind the report does not know (as a newer simulator might write)."""

    kind: ClassVar[str] = "invoke_started"
    run_id: str
    step: str
    function_id: str
    payload: Any = None


@pytest.fixture
def waiting_trace() -> Trace:
    """A run waiting for an event, by hand: the simulator does not wait for events yet."""
    run = {"run_id": "r1", "wall": 0.0}
    return Trace(
        [
            RunQueued(seq=0, t=100, function_id="f", event={"name": "e"}, **run),
            RequestSent(
                seq=1,
                t=100,
                request_id="q1",
                step_id="step",
                target=None,
                attempt=0,
                disable_immediate_execution=False,
                use_api=False,
                **run,
            ),
            ResponseHandled(
                seq=2,
                t=100,
                request_id="q1",
                status=206,
                ops=["WaitForEvent:approval"],
                error=None,
                wall_seconds=0.001,
                body_bytes=10,
                **run,
            ),
            Waiting(
                seq=3,
                t=100,
                step="approval",
                step_hash="h",
                op="WaitForEvent",
                until=700,
                detail={"event": "app/approved", "if": "a < b"},
                **run,
            ),
            InvokeStarted(seq=4, t=100, step="approval", function_id="child", **run),
        ]
    )


@pytest.fixture
def newer_trace(demo_trace: Trace, waiting_trace: Trace) -> Trace:
    """The demo and the waiting run, plus a record of a kind the report does not know."""
    last = list(demo_trace)[-1]
    run_id = demo_trace.of(RunQueued)[0].run_id
    unknown = InvokeStarted(
        seq=last.seq + 1, t=last.t, wall=last.wall, run_id=run_id, step="plan", function_id="x"
    )
    return Trace([*demo_trace, *waiting_trace, unknown])
