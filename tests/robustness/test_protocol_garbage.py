"""Whatever an app answers, the executor records a failed attempt naming run, step and request.

Each case is a class of garbage the SDK could never send but a broken app or proxy can:
the simulator must neither raise it back at the test nor hang on it. The last test is a
fuzzer over statuses, headers and bodies, through the whole simulator.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import inngest
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inngest_sim import Limits, RealClock, RunNotFinished, Simulator, SimulatorStalled
from inngest_sim._protocol import KNOWN_OPCODES
from inngest_sim.trace import ResponseHandled, StepAttempt

from ._garbage import SDK, Answer, GarbageApp

HOUR = dt.timedelta(hours=1)


def _function(app_id: str) -> tuple[inngest.Inngest, Any]:
    client = inngest.Inngest(app_id=app_id, is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="g/f"), retries=1)
    async def f(ctx: inngest.Context) -> str:
        return await ctx.step.run("work", lambda: "done")

    return client, f


async def _run(script: list[Answer], **options: Any) -> tuple[Any, GarbageApp]:
    client, fn = _function("garbage")
    app = GarbageApp(client, [fn], script)
    options.setdefault("request_timeout", 5)
    async with Simulator.from_app(app, client=client, **options) as sim:
        run = await sim.run("garbage-f", timeout=dt.timedelta(days=1))
    return run, app


def _ops(*ops: dict[str, Any]) -> Answer:
    return Answer(206, SDK, json.dumps(list(ops)).encode())


def _errors(run: Any) -> list[str]:
    """Every failure the run recorded: of whole requests, and of single steps."""
    handled = [r.error["message"] for r in run.trace.of(ResponseHandled) if r.error]
    steps = [a.error["message"] for a in run.trace.of(StepAttempt) if a.error]
    return handled + [m for m in steps if m not in handled]


GARBAGE = {
    "a sleep at an impossible date": _ops(
        {"op": "Sleep", "id": "s", "name": "2024-13-45T00:00:00Z"}
    ),
    "a sleep at an impossible offset": _ops(
        {"op": "Sleep", "id": "s", "name": "2024-01-01T00:00:00+99:00"}
    ),
    "an error named by a list": _ops(
        {"op": "StepError", "id": "e", "error": {"name": ["x"], "message": {"a": 1}}}
    ),
    "an error body named by a dict": Answer(500, SDK, b'{"name": {"a": 1}, "message": ["m"]}'),
    "JSON nested 100k deep": Answer(206, SDK, b"[" * 100_000 + b"]" * 100_000),
    "a streamed status of 1e400": Answer(201, {}, b'{"status": 1e400, "body": "", "headers": {}}'),
    "a streamed status that is no status": Answer(201, {}, b'{"status": 9000, "body": "x"}'),
    "a wait whose if is not a string": _ops(
        {"op": "WaitForEvent", "id": "w", "name": "x/y", "opts": {"if": 5, "timeout": "1h"}}
    ),
    "an invoke whose payload is not an object": _ops(
        {"op": "InvokeFunction", "id": "i", "opts": {"function_id": "f", "payload": [1, 2]}}
    ),
    "an AI call whose headers are not a mapping": _ops(
        {"op": "AIGateway", "id": "a", "opts": {"url": "http://x", "headers": [["a", "b"]]}}
    ),
    "an op whose name is not a string": _ops({"op": "Sleep", "id": "s", "name": {"n": 1}}),
    "opts that are a list": _ops({"op": "StepPlanned", "id": "p", "opts": [1]}),
    "bytes that are not UTF-8": Answer(206, SDK, b"\xff\xfe\x00"),
    "an SDK 500 with an empty body": Answer(500, SDK, b""),
    "an app that raises": Answer(raises=True),
    "an app that returns without answering": Answer(silent=True),
}


@pytest.mark.parametrize("answer", GARBAGE.values(), ids=GARBAGE.keys())
async def test_garbage_is_a_failed_attempt_that_names_the_request(answer: Answer) -> None:
    run, app = await _run([answer])

    assert app.answered == 1
    # The retry reached the real SDK, so the run completes; the garbage was one attempt.
    assert run.status == "Completed", run.error
    (message,) = _errors(run)
    assert isinstance(message, str)
    assert message
    for handled in run.trace.of(ResponseHandled):
        if handled.error and handled.status != 500:
            # A request that gave nothing usable says which request it was.
            assert run.run_id in handled.error["message"] or "invalid status" in message


async def test_a_500_with_the_sdk_header_and_no_body_says_so() -> None:
    run, _ = await _run([Answer(500, SDK, b"")])
    (handled,) = [r for r in run.trace.of(ResponseHandled) if r.error]
    assert handled.error == {
        "name": "Error",
        "message": "the SDK answered 500 without an error body",
    }


async def test_an_unknown_protocol_version_is_a_failed_attempt_that_names_it() -> None:
    answer = Answer(206, {**SDK, "x-inngest-req-version": "9"}, b'[{"op":"StepRun","id":"x"}]')
    run, _ = await _run([answer])

    assert run.status == "Completed"  # the retry reached the real SDK
    (message,) = _errors(run)
    assert "request version '9', which inngest-sim does not speak" in message
    assert run.run_id in message


async def test_an_endless_body_is_cut_off_at_the_response_limit() -> None:
    limits = Limits(max_response_bytes=1024 * 1024)
    run, _ = await _run([Answer(206, SDK, endless=True)], limits=limits)

    assert run.status == "Completed"
    (message,) = _errors(run)
    assert "exceeds the maximum size limit" in message


async def test_an_app_that_swallows_cancellation_still_times_out() -> None:
    run, _ = await _run([Answer(hangs=True)], request_timeout=0.2)

    assert run.status == "Completed"
    (message,) = _errors(run)
    assert "no response within 0.2s" in message
    assert "request_timeout" in message
    assert run.wall_seconds < 5


# ---------------------------------------------------------------- the fuzzer
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=12,
)
_times = st.sampled_from(
    ["2031-01-01T00:00:00Z", "2024-13-45T00:00:00Z", "1h", "", "nan", "1e400", "99999999999d"]
)
_values = _times | _json
# Mostly well-formed ops with garbage in one place: the shapes a broken SDK could send.
_op = st.fixed_dictionaries(
    {
        "op": st.sampled_from(sorted(KNOWN_OPCODES)),
        "id": st.text(min_size=1, max_size=8),
    },
    optional={
        "name": _values,
        "displayName": _json,
        # Each option any opcode reads, each present half the time, each of any type.
        "opts": st.fixed_dictionaries(
            {},
            optional={
                key: _values | st.fixed_dictionaries({}, optional={"data": _json, "v": _json})
                for key in (
                    "timeout",
                    "if",
                    "duration",
                    "payload",
                    "function_id",
                    "headers",
                    "url",
                    "event",
                    "format",
                    "body",
                )
            },
        )
        | _json,
        "data": _json,
        "error": _json | st.fixed_dictionaries({}, optional={"name": _json, "message": _json}),
        "userland": _json,
    },
)
_odd_op = st.fixed_dictionaries({"op": _json, "id": _json}, optional={"name": _values})
_ops_body = st.lists(_op | _odd_op, min_size=1, max_size=3).map(
    lambda ops: json.dumps(ops).encode()
)
_body = st.one_of(
    _ops_body,
    _ops_body,
    _json.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
    st.builds(
        lambda status, body: json.dumps({"status": status, "body": body, "headers": {}}).encode(),
        st.integers(-5, 1000) | st.just(10**20),
        _json,
    ),
)
_headers = st.fixed_dictionaries(
    {},
    optional={
        "x-inngest-no-retry": st.sampled_from(["true", "false", "yes", ""]),
        "retry-after": st.sampled_from(
            ["5", "0", "-3", "1e400", "nan", "2031-01-01T00:00:00Z", "x"]
        ),
    },
)
_answers = st.builds(
    Answer,
    status=st.sampled_from([206, 206, 200, 201, 400, 500, 502]) | st.integers(100, 599),
    headers=st.builds(lambda h, sdk: {**h, **(SDK if sdk else {})}, _headers, st.booleans()),
    body=_body,
)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(script=st.lists(_answers, min_size=1, max_size=3))
async def test_no_answer_escapes_as_an_exception_or_hangs(script: list[Answer]) -> None:
    try:
        run, _ = await _run(script, max_requests_per_run=12)
    except (RunNotFinished, SimulatorStalled):
        return  # documented outcomes for a run that cannot end (e.g. waits forever)
    assert run.status in ("Completed", "Failed", "Running")
    for message in _errors(run):
        assert isinstance(message, str)
        assert message


async def test_on_a_real_clock_a_bounded_wait_ends_even_while_a_request_hangs() -> None:
    run_timeout = dt.timedelta(seconds=0.3)
    client, fn = _function("garbage-real")
    app = GarbageApp(client, [fn], [Answer(hangs=True)])
    async with Simulator.from_app(app, client=client, clock=RealClock(), request_timeout=30) as sim:
        with pytest.raises(RunNotFinished, match="still running after"):
            await sim.run("garbage-real-f", timeout=run_timeout)


@pytest.mark.parametrize("opcode", ["Teleport", "DiscoveryRequest"])
async def test_an_opcode_the_simulator_does_not_serve_fails_the_run_naming_it(
    opcode: str,
) -> None:
    run, app = await _run([_ops({"op": opcode, "id": "t", "displayName": "jump"})])

    assert app.answered == 1
    assert len(run.requests) == 1  # not retried: the SDK is never asked again
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "UnsupportedOpcode"
    assert f"step 'jump' reported opcode '{opcode}'" in run.error["message"]
    assert run.run_id in run.error["message"]
    assert "docs/compatibility.md" in run.error["message"]
