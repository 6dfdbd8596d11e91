"""DirectEndpoint against the FastAPI path: the SDK gets the same requests, the executor
the same responses (but for timing and length headers), and runs go the same way."""

from __future__ import annotations

import json
from typing import Any

import httpx
import inngest
import pytest
import time_machine
from starlette.requests import Request

from inngest_sim._protocol import ExecutionCall
from inngest_sim._sdk.direct import DirectEndpoint
from inngest_sim._sdk.serve import (
    DEFAULT_SERVE_PATH,
    IN_PROCESS_ORIGIN,
    Endpoint,
    build_asgi_app,
    transport_for_app,
)

from ._harness import outcome
from ._scenarios import SCENARIOS
from ._verdicts import (
    assert_same,
    exercised,
    with_bodies_apart,
    without_body_sizes,
    without_volatile,
)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_a_scenario_runs_the_same_through_the_direct_endpoint(name: str) -> None:
    asgi = await outcome(SCENARIOS[name], accelerate=False)
    direct = await outcome(SCENARIOS[name], accelerate=False, direct=True)

    exercised(name, asgi)
    assert_same(asgi.requests, direct.requests, "request to the SDK")
    assert_same(
        without_volatile(asgi.responses), without_volatile(direct.responses), "SDK response"
    )
    assert_same(
        with_bodies_apart(asgi.trace),
        with_bodies_apart(direct.trace),
        "trace record",
    )
    assert direct.replays == asgi.replays


async def test_streamed_responses_are_drained_to_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INNGEST_STREAMING", "force")  # both handlers read it when built

    asgi = await outcome(SCENARIOS["parallel_groups"], accelerate=False)
    direct = await outcome(SCENARIOS["parallel_groups"], accelerate=False, direct=True)

    assert {status for status, _, _ in asgi.responses[1:]} == {201}  # streamed
    assert_same(
        without_volatile(asgi.responses), without_volatile(direct.responses), "SDK response"
    )
    assert_same(without_body_sizes(asgi.trace), without_body_sizes(direct.trace), "trace record")


# ------------------------------------------------------- driven directly, by hand
def _app() -> tuple[inngest.Inngest, list[Any]]:
    client = inngest.Inngest(app_id="perf-direct", is_production=True, signing_key=_KEY)

    @client.create_function(fn_id="one", trigger=inngest.TriggerEvent(event="p/one"))
    async def one(ctx: inngest.Context) -> int:
        return await ctx.step.run("a", lambda: 1)

    return client, [one]


_SIGNED_AT = 1_796_177_850  # any fixed second
_KEY = "signkey-prod-" + "12" * 32
_EVENT = {"name": "p/one", "data": {}, "id": "e1", "ts": 1, "user": {}}


def _body(**ctx: Any) -> dict[str, Any]:
    return {
        "event": _EVENT,
        "events": [_EVENT],
        "steps": {},
        "use_api": False,
        "version": 2,
        "ctx": {
            "run_id": "r1",
            "attempt": 0,
            "max_attempts": 1,
            "disable_immediate_execution": False,
            "use_api": False,
            "stack": {"stack": [], "current": 0},
            "step_id": "step",
            **ctx,
        },
    }


def _pair(client: Any, functions: list[Any], key: str | None) -> tuple[Endpoint, DirectEndpoint]:
    app = build_asgi_app(client, functions, DEFAULT_SERVE_PATH)
    http = httpx.AsyncClient(transport=transport_for_app(app), timeout=None)
    asgi = Endpoint(http, IN_PROCESS_ORIGIN + DEFAULT_SERVE_PATH, key)
    return asgi, DirectEndpoint(client, functions, signing_key=key)


@pytest.mark.parametrize(
    ("case", "fn_id", "key", "body"),
    [
        ("signed", "perf-direct-one", _KEY, _body()),
        ("wrong key", "perf-direct-one", "signkey-prod-" + "34" * 32, _body()),
        ("unsigned", "perf-direct-one", None, _body()),
        ("unknown function", "perf-direct-nope", _KEY, _body()),
        ("unreadable body", "perf-direct-one", _KEY, {"event": "not an event"}),
    ],
)
async def test_odd_requests_get_the_same_answer_from_both_endpoints(
    case: str, fn_id: str, key: str | None, body: dict[str, Any]
) -> None:
    client, functions = _app()
    asgi, direct = _pair(client, functions, key)

    def call() -> ExecutionCall:
        return ExecutionCall(fn_id, "step", "r1", "q1", body)

    # Outside a simulator nothing holds the wall clock, and the SDK stamps each response
    # signature with the current second: both calls must read the same one.
    with time_machine.travel(_SIGNED_AT, tick=False):
        expected = await asgi.execute(call())
        got = await direct.execute(call())
    await asgi.http.aclose()

    assert direct.url == asgi.url
    assert got.status_code == expected.status_code
    assert without_volatile([(0, got.headers.raw, got.content)]) == without_volatile(
        [(0, expected.headers.raw, expected.content)]
    )
    statuses = {"signed": 206, "wrong key": 401, "unsigned": 401, "unknown function": 500}
    assert expected.status_code == statuses.get(case, 500), expected.text


async def test_the_sdk_gets_a_starlette_request_whose_body_it_can_read() -> None:
    client = inngest.Inngest(app_id="perf-raw", is_production=False)
    seen: list[Any] = []

    class Keep(inngest.Middleware):
        def __init__(self, client: inngest.Inngest, raw_request: object) -> None:
            super().__init__(client, raw_request)
            seen.append(raw_request)

    client.middleware = [Keep]  # type: ignore[attr-defined]

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="p/f"))
    async def f(ctx: inngest.Context) -> int:
        return 1

    direct = DirectEndpoint(client, [f])
    response = await direct.execute(ExecutionCall("perf-raw-f", "step", "r1", "q1", _body()))

    assert response.status_code == 200, response.text
    (raw,) = seen
    assert isinstance(raw, Request)
    assert raw.method == "POST"
    assert str(raw.url) == f"{IN_PROCESS_ORIGIN}{DEFAULT_SERVE_PATH}?fnId=perf-raw-f&stepId=step"
    assert json.loads(await raw.body()) == _body()
