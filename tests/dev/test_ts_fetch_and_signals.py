"""``step.fetch`` (opcode ``Gateway``) and signals (``WaitForSignal``, ``step.sendSignal``,
``POST /v1/signals``) of the TypeScript SDK v4 app, through ``Simulator.from_url``, with
checkpointing on and off.

Expected values are what the real Go dev server did with the same app (built from
``inngest/inngest`` at the project's pinned commit, driven by ``inngest dev``); each names
the Go file that decides it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from inngest_sim import FaultPlan, Simulator
from inngest_sim.report import render_html
from inngest_sim.timeline import render_timeline
from inngest_sim.trace import RequestSent, SignalSent, Waiting

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
MODES = ("checkpoint", "classic")


class Remote:
    """The far side of ``step.fetch``: records each request, answers by path."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host == "down.test":
            raise httpx.ConnectError("connection refused", request=request)
        status = 500 if "500" in request.url.path else 200
        body = f"got {request.method} {request.content.decode()}"
        headers = [("x-echo", request.headers.get("x-ts-app", "")), ("set-cookie", "a=1")]
        headers.append(("set-cookie", "b=2"))
        return httpx.Response(status, text=body, headers=headers)


@pytest.fixture
def remote() -> Remote:
    return Remote()


@pytest.fixture(params=MODES)
async def sim(
    request: pytest.FixtureRequest, ts_app: str, ts_api_port: int, remote: Remote
) -> AsyncIterator[Simulator]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(remote))
    async with Simulator.from_url(
        ts_app,
        api_port=ts_api_port,
        start=START,
        checkpointing=request.param == "checkpoint",
        fetch_client=client,
    ) as simulator:
        yield simulator
    await client.aclose()


# ------------------------------------------------------------------ step.fetch
async def test_fetch_saves_an_http_500_as_the_steps_answer(sim: Simulator, remote: Remote) -> None:
    url = "http://remote.test/s500"
    run = await sim.run("fetch-url", data={"url": url, "method": "POST", "body": "hi"})
    # executor.go handleGeneratorGateway: any answer is saved as gateway.Response.
    assert run.status == "Completed"
    assert run.output == {"status": 500, "body": 'got POST "hi"', "echoed": "fetch"}
    (step,) = run.steps.values()
    assert step.id == "step.fetch: remote.test"
    assert step.outcome == "ok"
    assert step.output["url"] == url
    assert step.output["status_code"] == 500
    assert step.output["headers"]["X-Echo"] == "fetch"
    assert step.output["headers"]["Set-Cookie"] == "a=1,b=2"  # Go joins repeats with ","
    # pkg/util/gateway SerializableRequest: a body that is not JSON goes as a JSON string.
    (sent,) = remote.seen
    assert (sent.method, sent.content, sent.headers["x-ts-app"]) == ("POST", b'"hi"', "fetch")
    assert sent.headers["user-agent"] == "Inngest"


async def test_fetch_sends_a_json_body_as_it_is(sim: Simulator, remote: Remote) -> None:
    body = json.dumps({"a": 1})
    run = await sim.run(
        "fetch-url", data={"url": "http://remote.test/j", "method": "PUT", "body": body}
    )
    assert run.output["status"] == 200
    (sent,) = remote.seen
    assert (sent.method, sent.content) == ("PUT", body.encode())


async def test_a_fetch_without_an_answer_fails_the_steps_attempts(
    sim: Simulator, remote: Remote
) -> None:
    run = await sim.run("fetch-url", data={"url": "http://down.test/"})
    # As the real server did (executor.go handleGeneratorGateway; exechttp ErrUnableToReach):
    # the SDK request is retried with attempt 1 (retries: 1 -> two calls), then the error is
    # saved as the step's and the next discovery fails the run with it (the SDK's 400).
    assert len(remote.seen) == 2
    assert [r.attempt for r in run.requests] == [0, 1, 0]
    assert [r.status for r in run.requests] == [206, 206, 400]
    assert run.status == "Failed"
    assert run.error is not None
    assert (run.error["name"], run.error["message"]) == (
        "GatewayError",
        "Error making gateway request: Unable to reach SDK URL",
    )
    step = run.steps["step.fetch: down.test"]
    assert [a.outcome for a in step.attempts] == ["error", "failed"]
    assert step.error is not None
    assert step.error["name"] == "GatewayError"


@pytest.mark.parametrize("method", ["BOGUS WORD", "post"])
async def test_a_method_the_server_refuses_fails_the_run_at_once(
    sim: Simulator, remote: Remote, method: str
) -> None:
    run = await sim.run("fetch-url", data={"url": "http://remote.test/", "method": method})
    # exechttp validMethod refuses it (capitals only); the real server then retried the
    # request past its attempts (21 requests in 25 s, still running): here the run ends.
    assert remote.seen == []
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "GatewayError"
    assert f"HTTP method {method!r}, which the server refuses" in run.error["message"]
    assert len(run.requests) == 1


async def test_fault_plans_target_the_executors_fetch(
    ts_app: str, ts_api_port: int, remote: Remote
) -> None:
    plan = FaultPlan()
    refused = plan.fetch_error(step="step.fetch: *", first=1)
    answered = plan.fetch_status(503, step="step.fetch: remote.test")
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(remote)) as client,
        Simulator.from_url(
            ts_app, api_port=ts_api_port, start=START, faults=plan, fetch_client=client
        ) as sim,
    ):
        run = await sim.run("fetch-url", data={"url": "http://remote.test/x"})
    assert remote.seen == []  # both calls were the plan's
    assert run.status == "Completed"
    assert run.output["status"] == 503
    assert run.output["body"].startswith("injected by ")
    assert [a.outcome for a in run.steps["step.fetch: remote.test"].attempts] == ["error", "ok"]
    assert (refused.call_count, answered.call_count) == (1, 1)
    assert [c.layer for c in refused.calls] == ["gateway"]
    assert refused.calls[0].path == "http://remote.test/x"


# -------------------------------------------------------------------- signals
async def start_waiting(sim: Simulator, **data: Any) -> str:
    (event_id,) = await sim.send({"name": "ts/signal.wait", "data": data})
    await sim.settle()
    (run,) = sim.runs_for(event_id)
    return run.run_id


async def test_a_signal_resumes_its_waiter_with_signal_and_data(sim: Simulator) -> None:
    with sim.hold_time():
        run_id = await start_waiting(sim, signal="s1", timeout="1h")
        assert await sim.signal("s1", {"x": 1}) == run_id
        assert await sim.signal("s1", {"x": 2}) is None  # answered: nobody waits any more
    run = await sim.wait(run_id)
    assert run.output == {"got": {"signal": "s1", "data": {"x": 1}}}
    sent = sim.trace.of(SignalSent)
    assert [(s.signal, s.run_id, s.source) for s in sent] == [
        ("s1", run_id, "simulator"),
        ("s1", None, "simulator"),
    ]
    (waiting,) = [w for w in sim.trace.of(Waiting) if w.run_id == run_id]
    assert (waiting.op, waiting.detail) == ("WaitForSignal", {"signal": "s1", "conflict": "fail"})
    assert "signal_sent" in render_html(sim.trace)  # the report shows each signal sent
    lines = render_timeline(sim.trace).splitlines()
    assert any(f"signal 's1' from simulator: resumed run {run_id}" in line for line in lines)
    assert any("signal 's1' from simulator: nobody waited" in line for line in lines)


async def test_a_wait_that_times_out_resumes_with_null(sim: Simulator) -> None:
    run = await sim.run("wait-for-signal", data={"signal": "late", "timeout": "3s"})
    assert run.output == {"got": None}
    assert run.virtual_duration >= dt.timedelta(seconds=3)


async def test_a_signal_wait_may_last_more_than_366_days(sim: Simulator) -> None:
    run = await sim.run("wait-for-signal", data={"signal": "long", "timeout": "400d"})
    # SignalOpts.Expires has no cap, unlike sleeps and event waits (InngestErrTimeoutTooLong).
    assert run.status == "Completed"
    assert run.virtual_duration >= dt.timedelta(days=400)


async def test_a_second_waiter_fails_at_once_with_the_conflict_error(sim: Simulator) -> None:
    with sim.hold_time():
        first = await start_waiting(sim, signal="s2")
        second = await start_waiting(sim, signal="s2")
        result = await sim.wait(second)
        # executor.go: ErrSignalConflict fails the run early, no retry.
        assert result.status == "Failed"
        assert result.error is not None
        assert result.error == {
            "name": "Error",
            "message": "Signal conflict; signal wait already exists for another run",
            "error": "Error: Signal conflict; signal wait already exists for another run",
        }
        assert [r.attempt for r in result.trace.of(RequestSent)][-1] == 0
        assert await sim.signal("s2", "first") == first
    assert (await sim.wait(first)).output == {"got": {"signal": "s2", "data": "first"}}


async def test_replace_takes_the_signal_over_and_the_first_waiter_times_out(
    sim: Simulator,
) -> None:
    with sim.hold_time():
        first = await start_waiting(sim, signal="s3", timeout="6s")
        second = await start_waiting(sim, signal="s3", timeout="1h", conflict="replace")
        assert await sim.signal("s3", "to-second") == second
    assert (await sim.wait(second)).output == {"got": {"signal": "s3", "data": "to-second"}}
    assert (await sim.wait(first)).output == {"got": None}


async def test_send_signal_from_a_step_resumes_the_waiter(sim: Simulator) -> None:
    with sim.hold_time():
        waiter = await start_waiting(sim, signal="s4")
        sender = await sim.run("send-signal", data={"signal": "s4", "data": {"y": 2}})
    assert sender.output == {"sent": {"runId": waiter}}
    assert (await sim.wait(waiter)).output == {"got": {"signal": "s4", "data": {"y": 2}}}
    (sent,) = sim.trace.of(SignalSent)
    assert (sent.run_id, sent.source) == (waiter, "api")


async def test_send_signal_with_nobody_waiting_answers_no_run(sim: Simulator) -> None:
    sender = await sim.run("send-signal", data={"signal": "nobody", "data": 1})
    # The API's 404 means "nobody waits" to the SDK (api.js sendSignal): no run id.
    assert sender.output == {"sent": {}}
