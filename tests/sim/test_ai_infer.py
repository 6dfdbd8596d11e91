"""step.ai.infer: the executor makes the provider call, as Inngest does."""

from __future__ import annotations

import itertools
import json

import httpx
import inngest
import respx
from inngest.experimental import ai

from inngest_sim import Backoff, Simulator
from inngest_sim._protocol import hash_step_id
from inngest_sim.trace import RunEnded, Waiting
from tests.robustness._garbage import SDK, Answer, GarbageApp

KEY = "sk-ant-secret-key"


def _function(client: inngest.Inngest) -> inngest.Function:  # type: ignore[type-arg]
    @client.create_function(
        fn_id="summarise", trigger=inngest.TriggerEvent(event="ai/sum"), retries=1
    )
    async def summarise(ctx: inngest.Context) -> object:
        adapter = ai.anthropic.Adapter(auth_key=KEY, model="claude-3-5-haiku-latest")
        try:
            reply = await ctx.step.ai.infer(
                "summarise",
                adapter=adapter,
                body={"max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]},
            )
        except inngest.StepError as err:
            return {"error": err.name, "message": err.message}
        return reply

    return summarise


async def test_the_executor_calls_the_provider_and_resumes_with_its_answer() -> None:
    client = inngest.Inngest(app_id="ai-ok", is_production=False)
    summarise = _function(client)
    with respx.mock(assert_all_called=True) as router:
        route = router.post("https://api.anthropic.com/v1/messages").mock(
            return_value=httpx.Response(200, json={"content": [{"text": "Hello"}]})
        )
        async with Simulator(client, [summarise]) as sim:
            run = await sim.run(summarise)

    assert run.status == "Completed"
    assert run.output == {"content": [{"text": "Hello"}]}
    request = route.calls.last.request
    assert request.headers["x-api-key"] == KEY
    assert request.read() == (
        b'{"max_tokens":64,"messages":[{"role":"user","content":"Hi"}],'
        b'"model":"claude-3-5-haiku-latest"}'
    )
    assert KEY not in sim.trace.to_json()  # the key never reaches the trace
    assert [w.op for w in sim.trace.of(Waiting)] == ["AIGateway"]


async def test_a_provider_that_keeps_failing_becomes_a_catchable_ai_gateway_error() -> None:
    client = inngest.Inngest(app_id="ai-fail", is_production=False)
    summarise = _function(client)
    with respx.mock() as router:
        route = router.post("https://api.anthropic.com/v1/messages").mock(
            return_value=httpx.Response(529, json={"error": "overloaded"})
        )
        async with Simulator(client, [summarise], backoff=Backoff(jitter=0)) as sim:
            run = await sim.run(summarise)

    assert route.call_count == 2  # retries=1: two attempts
    assert run.output["error"] == "AIGatewayError"  # type: ignore[index]
    assert "HTTP 529" in run.output["message"]  # type: ignore[index]
    assert run.virtual_duration.total_seconds() == 15  # the backoff between the attempts


async def test_a_key_the_provider_echoes_in_its_error_never_reaches_the_trace() -> None:
    client = inngest.Inngest(app_id="ai-echo", is_production=False)
    summarise = _function(client)
    with respx.mock() as router:
        router.post("https://api.anthropic.com/v1/messages").mock(
            return_value=httpx.Response(401, json={"error": f"invalid x-api-key {KEY}"})
        )
        async with Simulator(client, [summarise], backoff=Backoff(jitter=0)) as sim:
            run = await sim.run(summarise)
            saved = sim.trace.to_json()

    assert "invalid x-api-key [redacted]" in run.output["message"]  # type: ignore[index]
    assert KEY not in saved
    assert KEY not in str(run.output)


QUERY_KEY = "AIza-query-secret-123"


class _KeyInUrl(ai.openai.Adapter):
    """A provider reached with its key in the query string, as Gemini's REST API takes it."""

    def url_infer(self) -> str:
        return f"https://models.example/v1/generate?alt=json&key={QUERY_KEY}"


async def test_a_key_in_the_url_query_is_redacted_in_the_trace_and_the_error() -> None:
    client = inngest.Inngest(app_id="ai-query", is_production=False)

    @client.create_function(fn_id="ask", trigger=inngest.TriggerEvent(event="ai/ask"), retries=0)
    async def ask(ctx: inngest.Context) -> object:
        adapter = _KeyInUrl(auth_key="unused-header-key", model="m")
        try:
            return await ctx.step.ai.infer("ask", adapter=adapter, body={"messages": []})
        except inngest.StepError as err:
            return {"message": err.message}

    with respx.mock() as router:
        route = router.post("https://models.example/v1/generate").mock(
            return_value=httpx.Response(403, text=f"bad key {QUERY_KEY}")
        )
        async with Simulator(client, [ask]) as sim:
            run = await sim.run(ask)
            saved = sim.trace.to_json()

    assert route.calls.last.request.url.params["key"] == QUERY_KEY  # the provider gets it
    assert QUERY_KEY not in saved
    assert QUERY_KEY not in str(run.output)
    (waiting,) = sim.trace.of(Waiting)
    assert waiting.detail["url"] == "https://models.example/v1/generate?alt=json&key=redacted"
    assert "bad key [redacted]" in run.output["message"]  # type: ignore[index]


async def test_a_token_in_a_step_fetch_url_is_redacted_where_the_trace_shows_it() -> None:
    # step.fetch comes from the TypeScript SDK: a scripted answer reports its Gateway op.
    client = inngest.Inngest(app_id="fetch-query", is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="f/go"), retries=0)
    async def f(ctx: inngest.Context) -> int:
        return 1

    url = f"https://api.example/v1/items?page=2&access_token={QUERY_KEY}"
    op = {"op": "Gateway", "id": hash_step_id("get"), "name": "get", "displayName": "get"}
    op["opts"] = {"url": url, "method": "GET"}
    app = GarbageApp(client, [f], [Answer(206, SDK, json.dumps([op]).encode())])
    calls: list[httpx.Request] = []

    def site(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={"ok": True})

    http = httpx.AsyncClient(transport=httpx.MockTransport(site))
    async with http, Simulator.from_app(app, client=client, fetch_client=http) as sim:
        await sim.run(f)
        (waiting,) = sim.trace.of(Waiting)

    assert calls[0].url.params["access_token"] == QUERY_KEY  # the site gets it
    assert waiting.detail["url"] == "https://api.example/v1/items?page=2&access_token=redacted"


class _EndsTheRun(httpx.AsyncBaseTransport):
    """The far side of an executor call: while it is out, the run ends (cancelled here;
    a timeout or a singleton does the same); then the call fails without an answer, or
    answers."""

    def __init__(self, answers: bool) -> None:
        self.sim: Simulator | None = None
        self.answers = answers

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert self.sim is not None
        (run,) = self.sim.runs
        self.sim._engine.cancel(self.sim._run_state(run.run_id), "ended while the call was out")
        if self.answers:
            return httpx.Response(200, json={"late": True})
        raise httpx.ConnectError("connection refused", request=request)


async def test_a_call_that_ends_after_its_run_ended_leaves_nothing_after_the_end() -> None:
    # A call's failure or answer arriving after its run ended is late: no attempt, retry
    # or timer is recorded against the ended run (as for any late answer).
    client = inngest.Inngest(app_id="late-gateway", is_production=False)
    summarise = _function(client)
    fetch = {"op": "Gateway", "id": "g", "name": "fetch", "opts": {"url": "http://x.test/"}}
    infer = {"op": "AIGateway", "id": "a", "name": "infer", "opts": {"url": "http://x.test/"}}
    for op, answers in itertools.product((fetch, infer), (False, True)):
        app = GarbageApp(client, [summarise], [Answer(206, SDK, json.dumps([op]).encode())])
        transport = _EndsTheRun(answers)
        http = httpx.AsyncClient(transport=transport)
        async with Simulator.from_app(app, client=client, fetch_client=http, ai_client=http) as sim:
            transport.sim = sim
            run = await sim.run(summarise)
            await sim.settle()
            settled_at = sim._engine.clock.now()
        await http.aclose()

        assert run.status == "Cancelled", (op, answers)
        (ended,) = [r for r in sim.trace if isinstance(r, RunEnded)]
        late = [type(r).__name__ for r in sim.trace if r.seq > ended.seq]
        assert late == ["EventReceived", "EventReceived"], (
            op,
            answers,
        )  # function.finished, .cancelled
        assert settled_at == ended.t, (op, answers)  # no retry left to pull the clock on
