"""Parallel steps: planning, targeted requests, fan-in and request counts.

The request counts are the ones the SDK's own test-suite expects from the real
executor (sdk-protocol.md section 4.3), reproduced with our own functions.
"""

from __future__ import annotations

import asyncio

import inngest

from inngest_sim import Simulator


def _client(app_id: str) -> inngest.Inngest:
    return inngest.Inngest(app_id=app_id, is_production=False)


async def test_wait_mode_two_groups_of_two_sequential_steps_take_seven_requests() -> None:
    client = _client("par-wait")
    order: list[str] = []

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="par/wait"))
    async def fan(ctx: inngest.Context) -> list[str]:
        def branch(name: str) -> object:
            async def steps() -> str:
                for i in (1, 2):
                    await ctx.step.run(f"{name}.{i}", lambda i=i: order.append(f"{name}.{i}"))
                return name

            return steps

        return list(await ctx.group.parallel((branch("a"), branch("b"))))  # type: ignore[arg-type]

    async with Simulator(client, [fan]) as sim:
        run = await sim.run(fan)

    assert run.status == "Completed"
    assert run.output == ["a", "b"]
    assert [r.ops for r in run.requests] == [
        ("StepPlanned:a.1", "StepPlanned:b.1"),
        ("StepRun:a.1",),
        ("StepRun:b.1",),
        ("StepPlanned:a.2", "StepPlanned:b.2"),
        ("StepRun:a.2",),
        ("StepRun:b.2",),
        (),
    ]
    assert order == ["a.1", "b.1", "a.2", "b.2"]


async def test_race_mode_rediscovers_after_every_completion_nine_requests() -> None:
    client = _client("par-race")

    @client.create_function(fn_id="race", trigger=inngest.TriggerEvent(event="par/race"))
    async def race(ctx: inngest.Context) -> str:
        async def branch(name: str) -> str:
            await ctx.step.run(f"{name}.1", lambda: f"{name}.1")
            return await ctx.step.run(f"{name}.2", lambda: f"{name}.2")

        await ctx.group.parallel(
            (lambda: branch("a"), lambda: branch("b")), parallel_mode=inngest.ParallelMode.RACE
        )
        return "done"

    def latency(function_id: str, step: str | None) -> float:
        # b-steps are slow (10 s of virtual time), a-steps fast (1 s).
        return 0.0 if step is None else 10.0 if step.startswith("b") else 1.0

    async with Simulator(client, [race], request_latency=latency) as sim:
        run = await sim.run(race)

    assert run.status == "Completed"
    assert len(run.requests) == 9
    assert run.completion_order == ["a.1", "a.2", "b.1", "b.2"]
    discoveries = [r for r in run.requests if r.step_id == "step"]
    assert len(discoveries) == 5  # the first plan plus one after each of the 4 completions


async def test_parallel_group_of_invoke_runs_and_send_event_takes_six_requests() -> None:
    client = _client("par-mixed")

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="par/child"))
    async def child(ctx: inngest.Context) -> str:
        return "child-done"

    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="par/parent"))
    async def parent(ctx: inngest.Context) -> list[object]:
        results = await ctx.group.parallel(
            (
                lambda: ctx.step.invoke("invoke", function=child),
                lambda: ctx.step.run("one", lambda: 1),
                lambda: ctx.step.run("two", lambda: 2),
                lambda: ctx.step.send_event("send", inngest.Event(name="par/other")),
            )
        )
        after = await ctx.step.run("after", lambda: "after")
        return [*results[:3], after]

    async with Simulator(client, [parent, child]) as sim:
        run = await sim.run(parent)

    assert run.status == "Completed", run.error
    assert run.output == ["child-done", 1, 2, "after"]
    assert len(run.requests) == 6
    assert run.requests[0].ops == (
        "InvokeFunction:invoke",
        "StepPlanned:one",
        "StepPlanned:two",
        "StepPlanned:send",
    )
    # After the group the next new step runs at once: immediate execution is back on.
    assert run.requests[-2].ops == ("StepRun:after",)
    assert run.requests[-2].step_id == "step"


async def test_planned_steps_execute_concurrently() -> None:
    client = _client("par-concurrent")
    in_flight = 0
    peak = 0
    all_started = asyncio.Event()

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="par/c"))
    async def fan(ctx: inngest.Context) -> int:
        async def body() -> int:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            if in_flight == 4:
                all_started.set()
            # Each body waits until all four are running: this only finishes if
            # the simulator really sends the four targeted requests at once.
            await asyncio.wait_for(all_started.wait(), timeout=10)
            in_flight -= 1
            return 1

        results = await ctx.group.parallel(
            tuple((lambda i=i: ctx.step.run(f"s{i}", body)) for i in range(4))
        )
        return sum(results)

    async with Simulator(client, [fan]) as sim:
        run = await sim.run(fan)

    assert run.output == 4
    assert peak == 4
    assert run.max_concurrency() == 4
    assert run.concurrent_groups() == [["s0", "s1", "s2", "s3"]]


async def test_repeated_step_ids_are_distinguished_by_index() -> None:
    client = _client("par-repeat")

    @client.create_function(fn_id="rep", trigger=inngest.TriggerEvent(event="par/rep"))
    async def rep(ctx: inngest.Context) -> list[int]:
        return [await ctx.step.run("same", lambda i=i: i) for i in range(3)]

    async with Simulator(client, [rep]) as sim:
        run = await sim.run(rep)

    assert run.output == [0, 1, 2]
    assert list(run.steps) == ["same", "same:1", "same:2"]
    assert all(step.executions == 1 for step in run.steps.values())
