"""One executor, three ways to reach the SDK: in-process ASGI, WSGI, and HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import fastapi
import flask
import inngest
import inngest.fast_api
import inngest.flask
import pytest
import uvicorn

from inngest_sim import Simulator
from inngest_sim._server.loopback import bind_loopback


def _build(app_id: str, *, api_url: str | None = None) -> tuple[inngest.Inngest, list[object]]:
    client = inngest.Inngest(
        app_id=app_id,
        is_production=False,
        api_base_url=api_url,
        event_api_base_url=api_url,
    )

    @client.create_function(fn_id="double", trigger=inngest.TriggerEvent(event="t/double"))
    async def double(ctx: inngest.Context) -> int:
        n = await ctx.step.run("read", lambda: int(ctx.event.data["n"]))  # type: ignore[arg-type]
        pair = await ctx.group.parallel(
            (lambda: ctx.step.run("x", lambda: n), lambda: ctx.step.run("y", lambda: n))
        )
        await ctx.step.send_event("notify", inngest.Event(name="t/doubled", data={"n": n}))
        return sum(pair)

    return client, [double]


async def test_from_app_drives_any_asgi_app_in_process() -> None:
    client, functions = _build("asgi-app")
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, functions)  # type: ignore[arg-type]

    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run("double", data={"n": 21})
        sent = [e["name"] for e in sim.events]

    assert run.status == "Completed"
    assert run.output == 42
    assert "t/doubled" in sent


async def test_sync_functions_through_the_sync_flask_adapter() -> None:
    client = inngest.Inngest(app_id="wsgi-app", is_production=False)

    @client.create_function(fn_id="triple", trigger=inngest.TriggerEvent(event="t/triple"))
    def triple(ctx: inngest.ContextSync) -> int:
        n = ctx.step.run("read", lambda: 7)
        parts = ctx.group.parallel(
            tuple((lambda i=i: ctx.step.run(f"p{i}", lambda: n)) for i in range(3))
        )
        ctx.step.send_event("notify", inngest.Event(name="t/tripled"))
        return sum(parts)

    app = flask.Flask("wsgi-app")
    inngest.flask.serve(app, client, [triple])

    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run(triple)
        sent = [e["name"] for e in sim.events]

    assert run.status == "Completed"
    assert run.output == 21
    assert "t/tripled" in sent
    assert run.max_concurrency() >= 1


async def test_a_wsgi_app_that_raises_is_a_failed_attempt_then_a_retry() -> None:
    # The app itself crashes (middleware before the SDK), not the function: the server sees
    # a 500 and retries the request, as it would from a Flask app in production.
    client = inngest.Inngest(app_id="wsgi-crash", is_production=False)

    @client.create_function(fn_id="one", trigger=inngest.TriggerEvent(event="t/one"))
    def one(ctx: inngest.ContextSync) -> int:
        return ctx.step.run("read", lambda: 5)

    app = flask.Flask("wsgi-crash")
    inngest.flask.serve(app, client, [one])
    crashes = [RuntimeError("middleware fell over")]

    @app.before_request
    def crash_once() -> None:
        if flask.request.method == "POST" and crashes:
            raise crashes.pop()

    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run(one)

    assert run.status == "Completed"
    assert run.output == 5
    assert [r.status for r in run.requests] == [500, 206, 200]
    assert [r.attempt for r in run.requests] == [0, 1, 0]
    assert not crashes


@pytest.fixture
def api_port() -> int:
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def served_app(api_port: int) -> Iterator[str]:
    """A real uvicorn server on loopback whose SDK talks to the simulator's API port."""
    client, functions = _build("http-app", api_url=f"http://127.0.0.1:{api_port}")
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, functions)  # type: ignore[arg-type]
    sock = bind_loopback()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/inngest"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    # The SDK called the simulator from the server's thread with its sync client;
    # close it so no pooled connection outlives the test.
    client._http_client._http_client_sync.close()


async def test_from_url_drives_a_serve_endpoint_over_http(served_app: str, api_port: int) -> None:
    async with Simulator.from_url(served_app, api_port=api_port) as sim:
        assert sim.api_url == f"http://127.0.0.1:{api_port}"
        run = await sim.run("double", data={"n": 5})
        sent = [e["name"] for e in sim.events]

    assert run.status == "Completed"
    assert run.output == 10
    assert "t/doubled" in sent  # step.send_event reached the simulator over loopback
    assert next(r.ops for r in run.requests) == ("StepRun:read",)


async def test_cloud_mode_requests_are_signed_with_the_clients_signing_key() -> None:
    key = "signkey-prod-" + "ab" * 32
    client = inngest.Inngest(app_id="cloud-app", is_production=True, signing_key=key, event_key="k")

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="t/cloud"))
    async def signed(ctx: inngest.Context) -> int:
        return await ctx.step.run("a", lambda: 1)

    async with Simulator(client, [signed]) as sim:
        run = await sim.run(signed)

    # The SDK verifies every execution request in cloud mode: a bad signature is a 401.
    assert run.status == "Completed"
    assert run.output == 1
    assert {r.status for r in run.requests} == {200, 206}


async def test_a_request_signed_with_another_key_is_refused_by_the_sdk() -> None:
    client = inngest.Inngest(
        app_id="cloud-bad", is_production=True, signing_key="signkey-prod-" + "cd" * 32
    )

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="t/bad"), retries=0)
    async def refused(ctx: inngest.Context) -> int:
        return 1

    wrong = "signkey-prod-" + "ef" * 32
    async with Simulator(client, [refused], signing_key=wrong) as sim:
        run = await sim.run(refused)

    assert run.status == "Failed"
    assert run.requests[0].status == 401
