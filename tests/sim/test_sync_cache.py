"""A registration the SDK made is replayed for the next simulator of the same app.

The replay must be invisible: the same trace, the same registry, the same runs. And it
must step aside whenever the SDK's own sync could come out differently.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator
from typing import Any

import inngest
import pytest
from inngest._internal.comm_lib.handler import CommHandler

from inngest_sim import FaultPlan, InProcessBackend, SimError, Simulator
from inngest_sim._sdk.sync_cache import registrations

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _app(app_id: str) -> tuple[inngest.Inngest, list[Any]]:
    client = inngest.Inngest(app_id=app_id, is_production=False)

    @client.create_function(fn_id="two", trigger=inngest.TriggerEvent(event="cache/go"))
    async def two(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 1)
        b = await ctx.step.run("b", lambda: 2)
        return a + b

    return client, [two]


@pytest.fixture
def sdk_syncs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The app ids the SDK's own sync handler ran for, in order."""
    calls: list[str] = []
    real = CommHandler.put

    async def counted(self: CommHandler, *args: Any, **kwargs: Any) -> Any:
        calls.append(self._client.app_id)
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(CommHandler, "put", counted)
    registrations.clear()
    yield calls
    registrations.clear()


def _without_wall(records: Any) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.to_dict().items() if k not in ("wall", "wall_seconds")} for r in records
    ]


async def _run(client: Any, functions: list[Any], **options: Any) -> tuple[Any, Any]:
    async with Simulator(client, functions, start=START, **options) as sim:
        result = await sim.run(functions[0])
        return result, _without_wall(sim.trace)


async def test_the_second_simulator_replays_the_registration_with_the_same_trace(
    sdk_syncs: list[str],
) -> None:
    client, functions = _app("cache-same")

    first, first_trace = await _run(client, functions)
    second, second_trace = await _run(client, functions)

    assert sdk_syncs == ["cache-same"]  # the SDK registered once
    assert (first.status, first.output) == (second.status, second.output) == ("Completed", 3)
    assert second_trace == first_trace
    assert any(r["kind"] == "api_called" and r["path"] == "/fn/register" for r in first_trace)


async def test_what_could_change_the_request_makes_the_sdk_sync_again(
    sdk_syncs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, functions = _app("cache-changes")
    await _run(client, functions)

    monkeypatch.setenv("INNGEST_SERVE_ORIGIN", "http://elsewhere.invalid")
    await _run(client, functions)  # the environment the SDK reads
    await _run(client, _app("cache-changes")[1])  # the same ids, new function objects
    await _run(client, functions, backend=InProcessBackend(serve_path="/other"))
    await _run(client, functions, backend=InProcessBackend(transport="asgi"))
    await _run(client, functions, backend=InProcessBackend(transport="asgi"))

    assert len(sdk_syncs) == 6


async def test_api_faults_go_through_the_sdk_every_time(sdk_syncs: list[str]) -> None:
    client, functions = _app("cache-faults")
    await _run(client, functions)

    plan = FaultPlan()
    plan.api_error("register", status=503)
    with pytest.raises(SimError, match="never registered"):
        await _run(client, functions, faults=plan)
    assert plan.rules[0].called
    # A plan with no API rule replays as before.
    other = FaultPlan()
    other.transient(step="a", first=1)
    result, _ = await _run(client, functions, faults=other)

    assert [a.outcome for a in result.steps["a"].attempts] == ["error", "ok"]
    assert sdk_syncs == ["cache-faults", "cache-faults"]


async def test_a_refused_registration_is_not_kept(sdk_syncs: list[str]) -> None:
    client, functions = _app("cache-refused")
    plan = FaultPlan()
    plan.api_error("register", status=500)
    with pytest.raises(SimError):
        await _run(client, functions, faults=plan)

    await _run(client, functions)
    await _run(client, functions)

    assert sdk_syncs == ["cache-refused", "cache-refused"]


def _app_whose_function_uses_its_client() -> tuple[inngest.Inngest, list[Any]]:
    client = inngest.Inngest(app_id="cache-alive", is_production=False)

    @client.create_function(fn_id="tells", trigger=inngest.TriggerEvent(event="cache/tell"))
    async def tells(ctx: inngest.Context) -> str:
        return client.app_id  # as apps do: the function refers to its client

    return client, [tells]


async def test_a_registered_app_is_not_kept_alive_by_the_cache(sdk_syncs: list[str]) -> None:
    client, functions = _app_whose_function_uses_its_client()
    await _run(client, functions)
    await _run(client, functions)
    assert sdk_syncs == ["cache-alive"]
    client_ref, function_ref = weakref.ref(client), weakref.ref(functions[0])

    del client, functions
    gc.collect()

    assert client_ref() is None
    assert function_ref() is None


async def test_a_reused_client_keeps_one_registration_per_live_function_set(
    sdk_syncs: list[str],
) -> None:
    client = inngest.Inngest(app_id="cache-reused", is_production=False)
    for n in range(5):  # as a hypothesis test does: new functions, same client, each example

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="cache/f"))
        async def f(ctx: inngest.Context, n: int = n) -> int:
            return n

        await _run(client, [f])
        del f
        gc.collect()

    assert len(sdk_syncs) == 5
    assert len(registrations._for(client)) == 1  # only the last example's is kept
