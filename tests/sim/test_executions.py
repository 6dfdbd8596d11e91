"""Body executions as the SDK really ran them, seen by the in-process probe."""

from __future__ import annotations

import asyncio
import contextlib

import inngest

from inngest_sim import Simulator


async def test_each_body_runs_once_when_steps_are_sequential_or_grouped() -> None:
    client = inngest.Inngest(app_id="exec-once", is_production=False)
    runs: list[str] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="x/once"))
    async def once(ctx: inngest.Context) -> None:
        await ctx.step.run("first", lambda: runs.append("first"))
        await ctx.group.parallel(
            tuple(
                (lambda i=i: ctx.step.run(f"p{i}", lambda: runs.append(f"p{i}"))) for i in range(3)
            )
        )

    async with Simulator(client, [once]) as sim:
        run = await sim.run(once)

    assert run.status == "Completed"
    assert sorted(runs) == ["first", "p0", "p1", "p2"]
    assert {key: step.executions for key, step in run.steps.items()} == {
        "first": 1,
        "p0": 1,
        "p1": 1,
        "p2": 1,
    }


async def test_asyncio_gather_over_steps_executes_bodies_again_on_replay() -> None:
    client = inngest.Inngest(app_id="exec-gather", is_production=False)
    executed: list[str] = []

    @client.create_function(fn_id="g", trigger=inngest.TriggerEvent(event="x/gather"))
    async def gathered(ctx: inngest.Context) -> list[str]:
        async def body(name: str) -> str:
            executed.append(name)
            return name

        return list(await asyncio.gather(*(ctx.step.run(f"s{i}", body, f"s{i}") for i in range(3))))

    async with Simulator(client, [gathered]) as sim:
        run = await sim.run(gathered)

    # The output is right, but the SDK reports one step per request while every
    # body runs each time: 6 executions for 3 steps (sdk-protocol.md section 4.2).
    assert run.status == "Completed"
    assert run.output == ["s0", "s1", "s2"]
    assert len(executed) == 6
    assert sum(step.executions for step in run.steps.values()) == 6
    assert max(step.executions for step in run.steps.values()) == 3


async def test_sync_function_bodies_are_counted_from_worker_threads() -> None:
    client = inngest.Inngest(app_id="exec-sync", is_production=False)

    @client.create_function(fn_id="s", trigger=inngest.TriggerEvent(event="x/sync"))
    def sync_fn(ctx: inngest.ContextSync) -> int:
        a = ctx.step.run("a", lambda: 1)
        b = ctx.step.run("b", lambda: 2)
        return a + b

    async with Simulator(client, [sync_fn]) as sim:
        run = await sim.run(sync_fn)

    assert run.output == 3
    assert [run.steps[k].executions for k in ("a", "b")] == [1, 1]


async def test_each_step_shows_what_it_stored_its_output_or_its_error() -> None:
    client = inngest.Inngest(app_id="exec-values", is_production=False)

    @client.create_function(
        fn_id="values", trigger=inngest.TriggerEvent(event="x/values"), retries=0
    )
    async def values(ctx: inngest.Context) -> str:
        await ctx.step.run("ok", lambda: {"n": 1})

        def broken() -> None:
            raise ValueError("nope")

        with contextlib.suppress(inngest.StepError):
            await ctx.step.run("broken", broken)
        await ctx.step.sleep("nap", 1)
        return "done"

    async with Simulator(client, [values]) as sim:
        run = await sim.run(values)

    assert run.status == "Completed"
    assert run.steps["ok"].output == {"n": 1}
    assert run.steps["ok"].error is None
    assert run.steps["broken"].output is None
    error = run.steps["broken"].error
    assert error is not None
    assert (error["name"], error["message"]) == ("ValueError", "nope")
    assert (run.steps["nap"].memo, run.steps["nap"].output) == ("null", None)
