"""Every answer is read with its size limit applied while reading, wherever it comes from.

As the Go server reads through ``io.LimitReader(body, MaxSDKResponseBodySize+1)``
(``pkg/execution/exechttp/exechttp.go``), reading stops at the first chunk past the limit:
an endless body costs one chunk over it, whether the app is in-process (ASGI or WSGI),
behind a URL, or a gateway's provider, and whether it answers a step or a registration.
Each test counts what the endless body managed to hand over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from typing import Any

import flask
import httpx
import inngest
import inngest.flask
import pytest
from inngest.experimental import ai

from inngest_sim import Limits, SimError, Simulator

from ._garbage import SDK, Answer, GarbageApp

CHUNK = 64 * 1024
LIMIT = 1024 * 1024
# What a reader that stops at the limit lets through: the limit, and the chunk past it.
AT_MOST = LIMIT + 2 * CHUNK


def _function(app_id: str, *, sync: bool = False) -> tuple[inngest.Inngest, Any]:
    client = inngest.Inngest(app_id=app_id, is_production=False)
    if sync:

        @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="b/f"))
        def fn_sync(ctx: inngest.ContextSync) -> int:
            return int(ctx.step.run("one", lambda: 1))

        return client, fn_sync

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="b/f"))
    async def fn(ctx: inngest.Context) -> int:
        return int(await ctx.step.run("one", lambda: 1))

    return client, fn


async def test_an_in_process_asgi_app_is_stopped_at_the_limit() -> None:
    client, fn = _function("bounded-asgi")
    app = GarbageApp(client, [fn], [Answer(206, SDK, endless=True)])
    async with Simulator.from_app(
        app, client=client, limits=Limits(max_response_bytes=LIMIT)
    ) as sim:
        run = await sim.run("bounded-asgi-f", timeout=dt.timedelta(days=1))

    # The Go server was seen to answer an endless body the same way: "Your function's
    # response body exceeds the maximum size limit" on that attempt, then the retry completes.
    assert run.status == "Completed"  # the retry reached the real SDK
    assert app.answered == 1
    assert 0 < app.sent <= AT_MOST


async def test_an_in_process_wsgi_app_is_read_only_to_the_limit() -> None:
    client, fn = _function("bounded-wsgi", sync=True)
    sdk = flask.Flask(__name__)
    inngest.flask.serve(sdk, client, [fn])
    handed = {"bytes": 0, "endless": 1}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["REQUEST_METHOD"] != "POST" or not handed["endless"]:
            return sdk(environ, start_response)
        handed["endless"] = 0
        start_response("206 Partial Content", list(SDK.items()))

        def body() -> Iterator[bytes]:
            for _ in range(300):  # 19 MiB unless the reader stops
                handed["bytes"] += CHUNK
                yield b" " * CHUNK

        return body()

    async with Simulator.from_app(
        app, client=client, limits=Limits(max_response_bytes=LIMIT)
    ) as sim:
        run = await sim.run("bounded-wsgi-f", timeout=dt.timedelta(days=1))

    assert run.status == "Completed"
    assert 0 < handed["bytes"] <= AT_MOST


async def test_a_registration_answer_past_the_limit_is_refused_with_the_reason() -> None:
    handed = {"bytes": 0}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(300):  # 19 MiB past the 8 MiB limit on a registration's answer
            await send({"type": "http.response.body", "body": b" " * CHUNK, "more_body": True})
            handed["bytes"] += CHUNK
        await send({"type": "http.response.body", "body": b""})

    client = inngest.Inngest(app_id="bounded-sync", is_production=False)
    with pytest.raises(SimError, match=r"past the 8,388,608-byte limit on a registration's"):
        async with Simulator.from_app(app, client=client):
            pass
    assert handed["bytes"] <= 8 * 1024 * 1024 + CHUNK


async def test_an_ai_providers_endless_answer_is_a_gateway_error_at_the_limit() -> None:
    client = inngest.Inngest(app_id="bounded-ai", is_production=False)
    handed = {"bytes": 0}

    @client.create_function(fn_id="ask", trigger=inngest.TriggerEvent(event="b/ask"), retries=0)
    async def ask(ctx: inngest.Context) -> object:
        adapter = ai.openai.Adapter(auth_key="k", model="gpt-4o-mini")
        try:
            return await ctx.step.ai.infer("ask", adapter=adapter, body={"messages": []})
        except inngest.StepError as err:
            return {"error": err.name, "message": err.message}

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(300):  # 19 MiB unless the reader stops
            handed["bytes"] += CHUNK
            yield b" " * CHUNK

    def provider(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())

    http = httpx.AsyncClient(transport=httpx.MockTransport(provider))
    limits = Limits(max_response_bytes=LIMIT)
    async with http, Simulator(client, [ask], ai_client=http, limits=limits) as sim:
        run = await sim.run(ask)

    assert run.output == {
        "error": "AIGatewayError",
        "message": "Error making AI request: http response size is greater than the limit",
    }
    assert handed["bytes"] <= AT_MOST
