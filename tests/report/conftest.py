"""Traces for the report tests, made by running real functions in the simulator.

The runs cover what the report draws: parallel steps, retries with backoff, a
failed step, a one-hour sleep, hostile step ids, and a run of 1,000 steps (its
1,001st request returns, so the step limit is raised to let it complete).
Each trace is recorded once per session: the 1,000-step run takes seconds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any, ClassVar

import inngest
import pytest

from inngest_sim import Backoff, Limits, Simulator, Trace
from inngest_sim.trace import Record, RequestSent, ResponseHandled, RunQueued, Waiting

HOSTILE_STEP = "</script><img src=x onerror=\"alert('step')\">&amp;"
HOSTILE_QUOTES = 'it\'s a "quoted" </SCRIPT > <!-- step'
HOSTILE_MESSAGE = "bad input </script><script>alert('message')</script> & <b>bold</b>"
THOUSAND = 1000


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
    async def hostile(ctx: inngest.Context) -> int:
        await ctx.step.run(HOSTILE_STEP, lambda: 1)
        return await ctx.step.run(HOSTILE_QUOTES, lambda: 2)

    @client.create_function(
        fn_id="thousand", trigger=inngest.TriggerEvent(event="test/thousand"), retries=0
    )
    async def thousand(ctx: inngest.Context) -> int:
        for i in range(THOUSAND):
            await ctx.step.run(f"step-{i:04d}", lambda i=i: i)
        return THOUSAND

    fns = {"thumbnails": thumbnails, "doomed": doomed, "hostile": hostile, "thousand": thousand}
    return client, fns


async def _record(names: list[str], latency: float, limits: Limits | None = None) -> Trace:
    client, fns = _functions()
    async with Simulator(
        client,
        list(fns.values()),
        backoff=Backoff(jitter=0),
        request_latency=latency,
        limits=limits,
    ) as sim:
        for name in names:
            await sim.run(fns[name])
        return sim.trace


def record(names: list[str], latency: float = 0.0, limits: Limits | None = None) -> Trace:
    return asyncio.run(_record(names, latency, limits))


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
def thousand_trace() -> Trace:
    return record(["thousand"], limits=Limits(max_steps=THOUSAND + 200))


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
