"""The TypeScript SDK v4 app driven by ``Simulator.from_url``, in both checkpointing modes.

Each scenario of ``tests/dev/ts_app`` runs as the capture recorded it against a Go-shaped
executor (``fixtures/summary.json``): the same outcome, the same number of SDK requests and
checkpoint POSTs, and the same answers (HTTP status and op kinds, in order). "checkpoint"
sends ``ctx.fn_id``/``ctx.qi_id`` as the Inngest server does (v4 then checkpoints);
"classic" leaves them out (one step per request).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from inngest_sim import Limits, Simulator
from inngest_sim.trace import Checkpointed, RequestSent, ResponseHandled
from tests.dev._capture_scenarios import SCENARIOS, Scenario

FIXTURES = Path(__file__).parent / "ts_app" / "fixtures"
SUMMARY = json.loads((FIXTURES / "summary.json").read_text(encoding="utf-8"))
START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)  # the captures' virtual start
MODES = ("checkpoint", "classic")
# The scenarios both modes recorded, plus how the simulator is set up for them.
COMMON = [s for s in SCENARIOS if s.modes == MODES]


def expected(mode: str, scenario: str) -> dict[str, Any]:
    return next(e for e in SUMMARY if e["mode"] == mode and e["scenario"] == scenario)


def answers(sim: Simulator) -> list[tuple[int, list[str]]]:
    return [(r.status, [op.split(":")[0] for op in r.ops]) for r in sim.trace.of(ResponseHandled)]


async def drive(sim: Simulator, scenario: Scenario) -> None:
    """Send the trigger; a scenario's waited-for event comes that many seconds later."""
    trigger = {"name": scenario.trigger, "data": scenario.data}
    if scenario.wait is None:
        await sim.send(trigger)
        await sim.settle()
        return
    seconds, event = scenario.wait
    with sim.hold_time():
        await sim.send(trigger)
        await sim.settle()
        await sim.advance(seconds)
        await sim.send(event)
    await sim.settle()


def comparable(output: Any, status: str) -> Any:
    """A failed run's error without its stack (line numbers), as name and message."""
    if status == "Failed" and isinstance(output, dict):
        return {"name": output.get("name"), "message": output.get("message")}
    return output


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", [*COMMON], ids=[s.name for s in COMMON])
async def test_scenario_as_the_server_runs_it(
    ts_app: str, ts_api_port: int, mode: str, scenario: Scenario
) -> None:
    want = expected(mode, scenario.name)
    use_api = scenario.driver.use_api
    limits = Limits(use_api_threshold_bytes=1) if use_api else None
    async with Simulator.from_url(
        ts_app, api_port=ts_api_port, start=START, checkpointing=mode == "checkpoint", limits=limits
    ) as sim:
        await drive(sim, scenario)
        run = next(r for r in sim.runs if r.function_id == scenario.slug)
        checkpoints = sim.trace.of(Checkpointed)
        requests = sim.trace.of(RequestSent)
        got_answers = answers(sim)
        sent = [e["id"] for e in sim.events if e["name"] == "ts/followup"]

    want_output = want["output"]
    if scenario.function == "send-followup":
        # The capture's stub made up event ids; here they are the ids the simulator gave.
        assert len(sent) == 1
        want_output = {"ids": sent}
    assert run.status == want["status"], run.error
    assert comparable(run.output, run.status) == comparable(want_output, want["status"])
    assert len(requests) == want["sdk_requests"]
    assert len(checkpoints) == want["checkpoint_posts"]
    assert all(c.status == 200 for c in checkpoints)
    assert got_answers == [(a["status"], a["ops"] or []) for a in want["answers"]]


async def test_a_caught_step_error_keeps_its_name_and_message(
    ts_app: str, ts_api_port: int
) -> None:
    """The error memo carries no null stack: TS would rebuild it as "Error: Unknown error"."""
    async with Simulator.from_url(ts_app, api_port=ts_api_port, start=START) as sim:
        run = await sim.run("catch-step-error")
    assert run.output == {"caught": {"name": "TypeError", "message": "bad type", "stack": "string"}}
    assert run.steps["doomed"].error is not None
    assert "stack" in run.steps["doomed"].error


async def test_checkpointed_steps_are_saved_steps_with_an_ok_attempt(
    ts_app: str, ts_api_port: int
) -> None:
    async with Simulator.from_url(ts_app, api_port=ts_api_port, start=START) as sim:
        run = await sim.run("sequential", data={"n": 4})
    assert run.output == {"a": 5, "b": 50}
    assert len(run.requests) == 1
    assert [c.steps for c in run.checkpoints] == [["step-a"], ["step-b"]]
    assert [c.status for c in run.checkpoints] == [200, 200]
    assert {key: step.outcome for key, step in run.steps.items()} == {
        "step-a": "ok",
        "step-b": "ok",
    }
    assert run.steps["step-b"].output == 50
    assert run.completion_order == ["step-a", "step-b"]


async def test_checkpoints_count_against_the_step_limit(ts_app: str, ts_api_port: int) -> None:
    async with Simulator.from_url(
        ts_app, api_port=ts_api_port, start=START, limits=Limits(max_steps=1)
    ) as sim:
        run = await sim.run("sequential")
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "InngestErrFunctionOverflowed"
    assert run.step_count == 1


async def test_a_checkpointed_step_over_the_output_limit_fails_like_any_step(
    ts_app: str, ts_api_port: int
) -> None:
    """413 to the checkpoint (as Go); the SDK then reports the step in its answer, where the
    size limit fails the attempt. Needs the SDK's checkpoint retries (about 1.8 s each)."""
    async with Simulator.from_url(
        ts_app, api_port=ts_api_port, start=START, limits=Limits(max_step_output_bytes=8)
    ) as sim:
        run = await sim.run("send-followup")
        refused = sim.trace.of(Checkpointed)
    assert run.status == "Failed"
    assert run.error is not None
    assert "step output size is greater than the limit" in run.error["message"]
    assert refused
    assert {c.status for c in refused} == {413}
