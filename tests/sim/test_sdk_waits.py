"""The SDK's own waits (the backoff between its Event API retries) run on virtual time.

(The first test is also where an Event API fault retried by the SDK itself is held.)

Under an injected Event API failure the SDK retries ``send`` itself, sleeping between tries
(``inngest/_internal/client_lib/client.py``: 0.1 s * 2**attempt plus jitter). In a simulator
those waits move the virtual clock; no real sleep of that length is called. Each test records
every sleep the process asks for, so the check is deterministic, not a timing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import time
from typing import Any

import inngest
import pytest

from inngest_sim import FaultPlan, Simulator, SyncSimulator


def _first_calls(n: int) -> Any:
    calls = iter(range(n))
    return lambda _ctx: next(calls, None) is not None


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every asyncio.sleep and time.sleep the SDK's client module calls, by its length.

    Only the client's own calls (its send retries): other SDK code (an event-loop tracker
    some versions run per request) sleeps concurrently, costing no test any time.
    """
    asked: list[float] = []
    real_async, real_sync = asyncio.sleep, time.sleep

    def record(delay: float) -> None:
        caller = sys._getframe(2).f_code.co_filename.replace("\\", "/")
        if caller.endswith("inngest/_internal/client_lib/client.py"):
            asked.append(delay)

    async def async_sleep(delay: float, *args: Any, **kwargs: Any) -> Any:
        record(delay)
        return await real_async(delay, *args, **kwargs)

    def sync_sleep(delay: float) -> None:
        record(delay)
        real_sync(delay)

    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    monkeypatch.setattr(time, "sleep", sync_sleep)
    return asked


async def test_a_failing_then_recovering_send_event_waits_on_the_virtual_clock(
    sleeps: list[float],
) -> None:
    client = inngest.Inngest(app_id="sdk-waits", is_production=False)

    @client.create_function(fn_id="notify", trigger=inngest.TriggerEvent(event="w/notify"))
    async def notify(ctx: inngest.Context) -> list[str]:
        return await ctx.step.send_event("send", inngest.Event(name="w/sent"))

    plan = FaultPlan()
    failing = plan.api_error("events", status=503, when=_first_calls(2))
    async with Simulator(client, [notify], faults=plan) as sim:
        run = await sim.run(notify)

    assert run.status == "Completed"
    assert failing.call_count == 2
    assert [e["name"] for e in sim.events if e["name"] == "w/sent"] == ["w/sent"]
    # Two backoffs (attempts 0 and 1: 0.1-0.2 s and 0.2-0.3 s) passed on the virtual clock...
    (attempt,) = run.steps["send"].attempts
    assert 0.3 <= (attempt.end - attempt.start).total_seconds() <= 0.5
    # ...and the SDK's own sleeps between its tries were asked for no time at all.
    assert sleeps == [0.0, 0.0]


def test_client_send_sync_in_a_sync_simulator_waits_on_the_virtual_clock(
    sleeps: list[float],
) -> None:
    client = inngest.Inngest(app_id="sdk-waits-sync", is_production=False)

    @client.create_function(fn_id="noop", trigger=inngest.TriggerEvent(event="w/noop"))
    async def noop(ctx: inngest.Context) -> None:
        return None

    plan = FaultPlan()
    failing = plan.api_error("events", status=503, when=_first_calls(3))
    with SyncSimulator(client, [noop], faults=plan) as sim:
        before = sim.clock.now()
        (event_id,) = client.send_sync(inngest.Event(name="w/other"))
        moved = sim.clock.now() - before

    assert failing.call_count == 3
    assert event_id
    # Three backoffs: 0.1 + 0.2 + 0.4 s, plus up to 0.1 s of jitter each.
    assert 0.7 <= moved <= 1.0
    assert sleeps == [0.0, 0.0, 0.0]


async def test_the_waits_repeat_with_the_seed_and_the_sdk_gets_its_function_back() -> None:
    from inngest._internal.client_lib import client as sdk_client

    original = sdk_client._compute_backoff_delay

    async def waited(seed: int) -> float:
        client = inngest.Inngest(app_id="sdk-waits-seed", is_production=False)

        @client.create_function(fn_id="noop", trigger=inngest.TriggerEvent(event="w/noop"))
        async def noop(ctx: inngest.Context) -> None:
            return None

        plan = FaultPlan()
        plan.api_error("events", status=503, when=_first_calls(1))
        start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # the same instants on both runs
        async with Simulator(client, [noop], faults=plan, seed=seed, start=start) as sim:
            before = sim.clock.now()
            await client.send(inngest.Event(name="w/other"))
            return sim.clock.now() - before

    first = await waited(1)
    assert 0.1 <= first <= 0.2
    assert await waited(1) == first
    assert sdk_client._compute_backoff_delay is original


async def test_the_replacement_read_just_before_the_last_simulator_closed_is_the_sdks() -> None:
    # An SDK thread that read the delay function just before the last simulator closed
    # calls it after: it gets the SDK's own delay (it raised IndexError).
    from inngest._internal.client_lib import client as sdk_client

    client = inngest.Inngest(app_id="sdk-waits-late", is_production=False)

    @client.create_function(fn_id="noop", trigger=inngest.TriggerEvent(event="w/noop"))
    async def noop(ctx: inngest.Context) -> None:
        return None

    async with Simulator(client, [noop]) as sim:
        replacement, before = sdk_client._compute_backoff_delay, sim.clock.now()
        assert replacement(1) == 0.0  # open: the virtual clock takes the wait
        assert sim.clock.now() > before
    late = replacement(1)
    assert sdk_client.RETRY_BASE_DELAY * 2 <= late <= sdk_client.RETRY_BASE_DELAY * 3
