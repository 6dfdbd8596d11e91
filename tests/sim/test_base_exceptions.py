"""A BaseException a step raises ends the attempt as a failed attempt (a server would answer
500), except KeyboardInterrupt and SystemExit, which stop the test as they should."""

from __future__ import annotations

import asyncio

import inngest
import pytest

from inngest_sim import Simulator
from inngest_sim.trace import StepAttempt


class Custom(BaseException):
    pass


def flaky(client: inngest.Inngest, exc: BaseException) -> inngest.Function:  # type: ignore[type-arg]
    @client.create_function(fn_id="f", retries=1, trigger=inngest.TriggerEvent(event="b/go"))
    async def f(ctx: inngest.Context) -> str:
        def body() -> str:
            if ctx.attempt == 0:
                raise exc
            return "ok"

        return await ctx.step.run("s", body)

    return f


@pytest.mark.parametrize(
    "exc",
    [asyncio.CancelledError(), GeneratorExit(), Custom("boom")],
    ids=["CancelledError", "GeneratorExit", "custom"],
)
async def test_a_base_exception_from_a_step_is_a_failed_attempt(exc: BaseException) -> None:
    client = inngest.Inngest(app_id="base", is_production=False)
    fn = flaky(client, exc)
    async with Simulator(client, [fn]) as sim:
        run = await sim.run(fn)
    assert (run.status, run.output) == ("Completed", "ok")  # the retry went through
    failed = [a.error for a in sim.trace.of(StepAttempt) if a.error]
    assert len(failed) == 1
    assert f"the request ended with {type(exc).__name__}" in failed[0]["message"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)], ids=["Ctrl-C", "exit"])
def test_keyboard_interrupt_and_system_exit_still_stop_the_test(exc: BaseException) -> None:
    # asyncio lets these two out of the event loop itself, so the test owns a loop.
    client = inngest.Inngest(app_id="base-stop", is_production=False)
    fn = flaky(client, exc)

    async def run() -> None:
        async with Simulator(client, [fn]) as sim:
            await sim.run(fn)

    with pytest.raises(type(exc)):
        asyncio.run(run())


async def test_cancelling_the_test_still_cancels_the_run() -> None:
    client = inngest.Inngest(app_id="base-cancel", is_production=False)
    started = asyncio.Event()

    @client.create_function(fn_id="slow", retries=0, trigger=inngest.TriggerEvent(event="s/go"))
    async def slow(ctx: inngest.Context) -> str:
        async def body() -> str:
            started.set()
            await asyncio.Event().wait()  # never set: only a cancellation ends it
            return "never"

        return await ctx.step.run("s", body)

    async with Simulator(client, [slow]) as sim:
        task = asyncio.ensure_future(sim.run(slow))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
