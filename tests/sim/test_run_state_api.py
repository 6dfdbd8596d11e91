"""``GET /v0/runs/{id}/batch`` and ``/actions`` answer as Go's core API does
(``GetEventBatch``/``GetActions`` in pkg/coreapi/coreapi.go; the bodies were seen on
``inngest dev`` built at 253303cd): the state while the run is in flight, 410 once it has
ended (Go deletes a run's state when it finishes), 400 for an id ``ulid.Parse`` refuses."""

from __future__ import annotations

import httpx
import inngest
import pytest

from inngest_sim import Simulator
from inngest_sim.trace import ApiCalled

client = inngest.Inngest(app_id="run-state", is_production=False)


@client.create_function(fn_id="naps", trigger=inngest.TriggerEvent(event="naps/go"))
async def naps(ctx: inngest.Context) -> str:
    async def first() -> str:
        return "one"

    await ctx.step.run("first", first)
    await ctx.step.sleep("nap", 3600)
    return "done"


def get(sim: Simulator, path: str) -> tuple[int, object]:
    assert sim.api is not None
    answer = sim.api.handle(httpx.Request("GET", f"http://sim{path}"))
    return answer.status_code, answer.json() if answer.content else None


async def test_state_while_in_flight_then_410_once_ended() -> None:
    async with Simulator(client, [naps]) as sim:
        with sim.hold_time():
            (event_id,) = await sim.send({"name": "naps/go", "data": {"n": 1}})
            await sim.advance(1)  # the first step ran; the run sleeps
            (run,) = sim.runs_for(event_id)
            status, batch = get(sim, f"/v0/runs/{run.run_id}/batch")
            assert status == 200
            assert isinstance(batch, list)
            assert [e["data"] for e in batch] == [{"n": 1}]
            status, actions = get(sim, f"/v0/runs/{run.run_id}/actions")
            assert status == 200
            assert isinstance(actions, dict)
            assert list(actions.values()) == [{"data": "one"}]
            await sim.advance(7200)
        assert sim.result(run.run_id).status == "Completed"
        gone = {
            "error": f"runtime state is no longer available for runID: {run.run_id}",
            "data": None,
            "status": 410,
        }
        assert get(sim, f"/v0/runs/{run.run_id}/actions") == (410, gone)
        assert get(sim, f"/v0/runs/{run.run_id}/batch") == (410, gone)
        calls = sim.trace.of(ApiCalled)
    assert all(c.served for c in calls)


@pytest.mark.parametrize(
    ("run_id", "status", "error"),
    [
        # A well-formed id of no run: Go cannot load its state either. Lower case parses;
        # Go names the id as it prints a ULID, in upper case.
        (
            "01jabcdefghjkmnpqrstvwxyz0",
            410,
            "runtime state is no longer available for runID: 01JABCDEFGHJKMNPQRSTVWXYZ0",
        ),
        ("not-a-ulid", 400, "The run ID specified is invalid"),
        # 26 characters, but the first past "7" overflows 128 bits: ulid.Parse refuses it.
        ("81JABCDEFGHJKMNPQRSTVWXYZ0", 400, "The run ID specified is invalid"),
    ],
)
async def test_an_unknown_or_malformed_run_id(run_id: str, status: int, error: str) -> None:
    async with Simulator(client, [naps]) as sim:
        for part in ("batch", "actions"):
            body = {"error": error, "data": None, "status": status}
            assert get(sim, f"/v0/runs/{run_id}/{part}") == (status, body)


async def test_other_run_paths_are_not_served() -> None:
    # Go: 405 for GET /v0/runs/{id} (only DELETE is routed), 404 for another suffix.
    async with Simulator(client, [naps]) as sim:
        for path in (
            "/v0/runs/01JABCDEFGHJKMNPQRSTVWXYZ0",
            "/v0/runs/01JABCDEFGHJKMNPQRSTVWXYZ0/x",
        ):
            assert get(sim, path)[0] == 404
        calls = [c for c in sim.trace.of(ApiCalled) if c.path.startswith("/v0/")]
        assert [c.served for c in calls] == [False, False]
