"""Bad input ends in a clear error, never a hang.

Malformed SDK responses come from a hand-written ASGI app that wraps the real
SDK app: the PUT (registration) still reaches the SDK, so the functions
register, but chosen execution POSTs get garbage back.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

import fastapi
import inngest
import inngest.fast_api
import pytest

from inngest_sim import (
    Backoff,
    EventRejected,
    Simulator,
    UnknownFunctionError,
)
from inngest_sim.trace import RequestSent, RetryScheduled

NO_JITTER = Backoff(jitter=0)
SDK_HEADERS = [(b"content-type", b"application/json"), (b"x-inngest-sdk", b"inngest-py:v0.5.19")]

Scope = dict[str, Any]
Asgi = Callable[[Scope, Any, Any], Awaitable[None]]
Garbage = tuple[int, list[tuple[bytes, bytes]], bytes]


def _sdk_app(client: inngest.Inngest, functions: list[Any]) -> Asgi:
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, functions)
    return app  # type: ignore[return-value]


def _garbage_for_posts(
    real: Asgi, garbage: Garbage, *, only_targeted: bool = False, seen: list[str] | None = None
) -> Asgi:
    """Forward everything to ``real`` except execution POSTs, which get ``garbage``."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await real(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode()
        if only_targeted and "stepId=step" in query:
            await real(scope, receive, send)
            return
        if seen is not None:
            seen.append(query)
        while (await receive()).get("more_body"):
            pass
        status, headers, body = garbage
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def _two_steps(client: inngest.Inngest, retries: int) -> Any:
    @client.create_function(
        fn_id="victim", trigger=inngest.TriggerEvent(event="bad/victim"), retries=retries
    )
    async def victim(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 1)
        b = await ctx.step.run("b", lambda: 2)
        return a + b

    return victim


def _assert_names_run_and_request(run: Any, message: str) -> None:
    assert run.run_id in message
    assert repr(run.function_id) in message
    assert any(r.request_id in message for r in run.requests), message


UNREADABLE = "unreadable SDK response"
# Answers the executor cannot read: each a failed attempt, retried on the normal budget. (An
# opcode the simulator does not serve fails the run at once instead; see
# tests/robustness/test_protocol_garbage.py.)
MALFORMED: dict[str, tuple[Garbage, str]] = {
    "206-not-json": ((206, SDK_HEADERS, b"<html>oops</html>"), "body is not JSON"),
    "206-empty-array": ((206, SDK_HEADERS, b"[]"), "non-empty JSON array"),
    "206-op-without-id": ((206, SDK_HEADERS, b'[{"op": "StepRun"}]'), "has no string 'id'"),
    "200-without-sdk-header": (
        (200, [(b"content-type", b"application/json")], b'"fine"'),
        "x-inngest-sdk",
    ),
    # Bytes that are not UTF-8 cannot be JSON either.
    "206-not-utf8": ((206, SDK_HEADERS, b"\x80\x81 not text"), UNREADABLE),
    # A streamed (201) answer is keep-alive spaces, then a JSON envelope.
    "201-not-json": ((201, SDK_HEADERS, b"   <html>oops</html>"), UNREADABLE),
    "201-envelope-with-a-bad-status": (
        (201, SDK_HEADERS, b'  {"status": "abc", "body": "[]", "headers": {}}'),
        UNREADABLE,
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_malformed_response_fails_the_run_naming_run_and_request(
    client: inngest.Inngest, case: str
) -> None:
    garbage, says = MALFORMED[case]
    victim = _two_steps(client, retries=2)
    seen: list[str] = []
    app = _garbage_for_posts(_sdk_app(client, [victim]), garbage, seen=seen)

    async with Simulator.from_app(app, client=client, backoff=NO_JITTER) as sim:
        assert [spec.slug for spec in sim.functions] == ["victim"]  # the PUT got through
        run = await sim.run("victim")

    assert run.status == "Failed"
    assert run.error is not None
    message = run.error["message"]
    assert says in message
    assert "discovery" in message
    _assert_names_run_and_request(run, message)
    # The unreadable answer is a failed attempt, retried on the normal budget,
    # so the run ends after retries + 1 requests.
    assert [r.attempt for r in run.requests] == [0, 1, 2]
    assert len(seen) == 3
    assert all(r.status == garbage[0] for r in run.requests)


BAD_SLEEPS = {
    "name-not-a-string": {"op": "Sleep", "id": "abc", "displayName": "nap", "name": 5},
    "unreadable-duration": {
        "op": "Sleep",
        "id": "abc",
        "displayName": "nap",
        "name": "soon",
        "opts": {"duration": "forever"},
    },
}


@pytest.mark.parametrize("case", list(BAD_SLEEPS))
async def test_a_malformed_sleep_op_fails_the_run_instead_of_crashing(
    client: inngest.Inngest, case: str
) -> None:
    victim = _two_steps(client, retries=1)
    garbage = (206, SDK_HEADERS, json.dumps([BAD_SLEEPS[case]]).encode())
    app = _garbage_for_posts(_sdk_app(client, [victim]), garbage)

    async with Simulator.from_app(app, client=client, backoff=NO_JITTER) as sim:
        run = await sim.run("victim")

    assert run.status == "Failed"
    assert run.error is not None
    message = run.error["message"]
    assert "Sleep" in message
    _assert_names_run_and_request(run, message)
    assert len(run.requests) <= 2


async def test_a_non_sdk_error_page_fails_the_run_with_its_status_after_retries(
    client: inngest.Inngest,
) -> None:
    # A proxy in front of the serve endpoint answers 502 with an HTML page: no
    # x-inngest-sdk header, no JSON. Inngest reports "invalid status code: 502"
    # (executor-semantics.md 2.6) and retries it like any function-level error.
    victim = _two_steps(client, retries=1)
    garbage = (502, [(b"content-type", b"text/html")], b"<html>Bad Gateway</html>")
    app = _garbage_for_posts(_sdk_app(client, [victim]), garbage)

    async with Simulator.from_app(app, client=client, backoff=NO_JITTER) as sim:
        run = await sim.run("victim")

    assert run.status == "Failed"
    assert run.error is not None
    message = run.error["message"]
    assert "502" in message
    assert "Bad Gateway" in message
    assert [(r.attempt, r.status) for r in run.requests] == [(0, 502), (1, 502)]


async def test_a_malformed_answer_to_a_targeted_request_names_the_step(
    client: inngest.Inngest,
) -> None:
    @client.create_function(fn_id="pair", trigger=inngest.TriggerEvent(event="bad/pair"), retries=0)
    async def pair(ctx: inngest.Context) -> tuple[int, ...]:
        return await ctx.group.parallel(
            (lambda: ctx.step.run("left", lambda: 1), lambda: ctx.step.run("right", lambda: 2))
        )

    garbage = (206, SDK_HEADERS, json.dumps([{"op": "Teleport", "id": "x"}]).encode())
    app = _garbage_for_posts(_sdk_app(client, [pair]), garbage, only_targeted=True)

    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run("pair")

    assert run.status == "Failed"
    assert run.error is not None
    message = run.error["message"]
    _assert_names_run_and_request(run, message)
    (failed,) = [r for r in run.requests if r.request_id in message]
    assert failed.target in ("left", "right")
    assert f"step {failed.target!r}" in message
    assert "reported opcode 'Teleport', which this simulator does not serve" in message


async def test_a_function_that_always_raises_fails_after_all_attempts(
    client: inngest.Inngest,
) -> None:
    calls: list[int] = []

    @client.create_function(
        fn_id="raiser", trigger=inngest.TriggerEvent(event="bad/raise"), retries=2
    )
    async def raiser(ctx: inngest.Context) -> None:
        calls.append(ctx.attempt)
        raise KeyError("no such lecture")

    async with Simulator(client, [raiser], backoff=NO_JITTER) as sim:
        run = await sim.run(raiser)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "KeyError"
    assert run.error["message"] == "'no such lecture'"
    assert calls == [0, 1, 2]
    assert [(r.attempt, r.status) for r in run.requests] == [(0, 500), (1, 500), (2, 500)]
    assert [r.delay for r in sim.trace.of(RetryScheduled, run.run_id)] == [15.0, 30.0]
    assert run.virtual_duration.total_seconds() == 45.0


async def test_an_unknown_function_id_lists_the_served_ones(client: inngest.Inngest) -> None:
    first = _two_steps(client, retries=0)

    @client.create_function(fn_id="other", trigger=inngest.TriggerEvent(event="bad/other"))
    async def other(ctx: inngest.Context) -> None:
        return None

    async with Simulator(client, [first, other]) as sim:
        with pytest.raises(UnknownFunctionError, match="does-not-exist") as info:
            await sim.run("does-not-exist")
        assert sim.runs == []

    assert "sim-tests-other" in str(info.value)
    assert "sim-tests-victim" in str(info.value)
    assert isinstance(info.value, LookupError)


async def test_a_step_that_vanishes_on_replay_fails_the_run_in_bounded_requests(
    client: inngest.Inngest,
) -> None:
    calls = itertools.count()

    @client.create_function(
        fn_id="shifty", trigger=inngest.TriggerEvent(event="bad/shifty"), retries=1
    )
    async def shifty(ctx: inngest.Context) -> str:
        # Non-deterministic step ids: the planned steps are gone on the next call.
        n = next(calls)
        await ctx.group.parallel(
            (
                lambda: ctx.step.run(f"left-{n}", lambda: 1),
                lambda: ctx.step.run(f"right-{n}", lambda: 2),
            )
        )
        await ctx.step.run("after", lambda: 3)
        return "done"

    async with Simulator(client, [shifty], backoff=NO_JITTER) as sim:
        run = await sim.run(shifty)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "step_unexpected"
    assert "when targeting a different step" in run.error["message"]
    # One discovery plus at most two attempts of each of the two targeted steps.
    assert len(run.requests) <= 5
    assert {r.target for r in run.requests[1:]} <= {"left-0", "right-0"}
    # Every answered targeted request was the SDK's 500; the sibling still in
    # flight when the run failed has its answer ignored (status None).
    answered = [r.status for r in run.requests[1:] if r.status is not None]
    assert len(answered) >= 2
    assert set(answered) == {500}
    assert run.requests[-1].attempt == 1


async def test_a_function_that_never_stops_making_steps_is_bounded(
    client: inngest.Inngest,
) -> None:
    @client.create_function(
        fn_id="forever", trigger=inngest.TriggerEvent(event="bad/forever"), retries=0
    )
    async def forever(ctx: inngest.Context) -> None:
        while True:
            await ctx.step.run("tick", lambda: None)

    async with Simulator(client, [forever], max_requests_per_run=50) as sim:
        run = await sim.run(forever)

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "SimulatorRequestLimit"
    assert "more than 50 SDK requests" in run.error["message"]
    assert "max_requests_per_run" in run.error["message"]
    assert run.run_id in run.error["message"]
    assert len(sim.trace.of(RequestSent, run.run_id)) == 50
    assert run.step_count == 50


async def test_an_event_without_a_name_is_rejected(client: inngest.Inngest) -> None:
    victim = _two_steps(client, retries=0)

    async with Simulator(client, [victim]) as sim:
        with pytest.raises(EventRejected, match="no name"):
            await sim.send({"data": {}})
        with pytest.raises(EventRejected, match="#1 has no name"):
            await sim.send([{"name": "bad/victim", "data": {}}, {"data": {}}])
        # A rejected batch is rejected whole: nothing was received, nothing started.
        assert sim.events == []
        assert sim.runs == []
