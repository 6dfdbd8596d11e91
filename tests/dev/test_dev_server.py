"""``inngest-sim dev`` end to end: Python apps served by uvicorn, synced, run and inspected
with the GraphQL queries the Python SDK's own integration suite uses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest
import uvicorn

from inngest_sim import SimError
from inngest_sim._history.pull import RunsSource
from inngest_sim._server.loopback import bind_loopback, free_port
from inngest_sim.dev import DevServerClient, dev_server
from inngest_sim.history import load_history

# The Python SDK suite's queries (pkg/test_core/test_core/helper.py), verbatim in shape.
RUN_STATUS = """
query GetRun($run_id: String!) {
    run(runID: $run_id) { output status }
    runTrigger(runID: $run_id) { payloads }
}"""
HISTORY = """
query GetHistory($run_id: String!) {
    run(runID: $run_id) { trace { childrenSpans { name outputID } } }
}"""
OUTPUT = """
query GetHistory($output_id: String!) {
    runTraceSpanOutputByID(outputID: $output_id) { data error { message name stack } }
}"""
EVENT_RUNS = """
query GetRunFromEventID($event_id: ID!) {
    event(query: {eventId: $event_id}) { functionRuns { id } }
}"""


def gql(dev: DevServerClient, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(f"{dev.url}/v0/gql", json={"query": query, "variables": variables})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def wait_for_status(dev: DevServerClient, run_id: str, timeout: float = 20) -> dict[str, Any]:
    """The run's GraphQL status and trigger once it has ended (the server says when)."""
    dev.wait_for_run(run_id, timeout=timeout)
    body = gql(dev, RUN_STATUS, run_id=run_id)
    assert not body.get("errors"), body
    return {**body["data"]["run"], "payloads": body["data"]["runTrigger"]["payloads"]}


class App:
    """A Python app served by uvicorn on loopback, its client pointed at the dev server."""

    def __init__(self, dev: DevServerClient, app_id: str) -> None:
        self.client = inngest.Inngest(
            app_id=app_id,
            is_production=False,
            api_base_url=dev.url,
            event_api_base_url=dev.url,
        )
        self.run_ids: list[str] = []
        self.functions: list[Any] = []

    def asgi(self) -> Any:
        """The ASGI app served: the SDK's FastAPI app with ``functions``."""
        app = fastapi.FastAPI()
        inngest.fast_api.serve(app, self.client, self.functions)
        return app

    def serve(self) -> str:
        sock = bind_loopback()
        config = uvicorn.Config(self.asgi(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        self._sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/inngest"
        return self.url

    def sync(self) -> None:
        """As the suite's register(): a bare PUT to the app.

        The app's socket listens before its server starts, so the PUT waits in the
        socket's queue rather than failing while uvicorn starts.
        """
        response = httpx.put(self.url, timeout=10)
        assert response.status_code == 200, response.text

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        self.client._http_client._http_client_sync.close()


def two_step_app(dev: DevServerClient, app_id: str, *, sync: bool = True) -> App:
    app = App(dev, app_id)
    client = app.client

    @client.create_function(
        fn_id="two-steps", retries=0, trigger=inngest.TriggerEvent(event=f"{app_id}/go")
    )
    async def two_steps(ctx: inngest.Context) -> dict[str, Any]:
        app.run_ids.append(ctx.run_id)
        first = await ctx.step.run("step_1", lambda: [{"foo": {"bar": 1}, "empty": None}])
        second = await ctx.step.run("step_2", lambda: len(first))
        return {"second": second, "n": ctx.event.data.get("n")}

    @client.create_function(
        fn_id="flaky", retries=2, trigger=inngest.TriggerEvent(event=f"{app_id}/flaky")
    )
    async def flaky(ctx: inngest.Context) -> str:
        def body() -> str:
            if ctx.attempt < 1:
                raise ValueError("first attempt fails")
            return "ok"

        return await ctx.step.run("wobbly", body)

    app.functions = [two_steps, flaky]
    app.serve()
    if sync:
        app.sync()
    return app


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerClient]:
    with dev_server(port=0, args=["--retry-delay", "0.05"]) as client:
        yield client


@pytest.fixture(scope="module")
def app(dev: DevServerClient) -> Iterator[App]:
    app = two_step_app(dev, "py-dev")
    yield app
    app.stop()


def test_an_app_synced_with_a_put_has_its_functions_on_the_server(
    dev: DevServerClient, app: App
) -> None:
    info = httpx.get(f"{dev.url}/dev").json()
    (synced,) = [a for a in info["apps"] if a["id"] == "py-dev"]
    assert sorted(synced["functions"]) == ["py-dev-flaky", "py-dev-two-steps"]
    assert httpx.get(f"{dev.url}/dev").headers["x-inngest-server-kind"] == "dev"


def test_an_event_runs_the_function_and_graphql_shows_it(dev: DevServerClient, app: App) -> None:
    (event_id,) = app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 7}))
    # The server starts an event's runs before it answers the send.
    body = gql(dev, EVENT_RUNS, event_id=event_id)
    (run_id,) = [r["id"] for r in body["data"]["event"]["functionRuns"]]

    run = wait_for_status(dev, run_id)
    assert run["status"] == "COMPLETED"
    assert json.loads(run["output"]) == {"second": 1, "n": 7}
    trigger = json.loads(run["payloads"][0])
    assert (trigger["name"], trigger["data"], trigger["id"]) == ("py-dev/go", {"n": 7}, event_id)
    assert run_id in app.run_ids

    spans = gql(dev, HISTORY, run_id=run_id)["data"]["run"]["trace"]["childrenSpans"]
    assert [s["name"] for s in spans] == ["step_1", "step_2", "Finalization"]
    output = gql(dev, OUTPUT, output_id=spans[0]["outputID"])["data"]["runTraceSpanOutputByID"]
    assert json.loads(output["data"]) == [{"foo": {"bar": 1}, "empty": None}]
    assert output["error"] is None


def test_a_step_that_failed_once_shows_its_retry_and_output(dev: DevServerClient, app: App) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/flaky")))
    run = wait_for_status(dev, run_id)
    assert run["status"] == "COMPLETED"
    assert json.loads(run["output"]) == "ok"
    steps = dev.run(run_id)["steps"]
    assert [(s["name"], s["attempts"], s["status"]) for s in steps[:1]] == [
        ("wobbly", 2, "COMPLETED")
    ]


def test_an_unknown_run_is_a_graphql_error_not_a_null(dev: DevServerClient) -> None:
    body = gql(dev, RUN_STATUS, run_id="01HZZZZZZZZZZZZZZZZZZZZZZZ")
    assert "run not found" in body["errors"][0]["message"]


def test_a_query_outside_the_supported_set_names_what_is_supported(dev: DevServerClient) -> None:
    body = gql(dev, "{ runs { id } }")
    message = body["errors"][0]["message"]
    assert "Cannot query field 'runs'" in message
    assert "runTraceSpanOutputByID" in message


def test_events_are_listed_with_the_ids_the_send_returned(dev: DevServerClient, app: App) -> None:
    ids = app.client.send_sync(
        [inngest.Event(name="py-dev/listed"), inngest.Event(name="py-dev/listed")]
    )
    listed = httpx.get(f"{dev.url}/v1/events", params={"name": "py-dev/listed"}).json()["data"]
    assert [e["internal_id"] for e in listed] == ids
    assert len(set(ids)) == 2


def test_each_run_has_a_trace_and_a_report_at_a_url(dev: DevServerClient, app: App) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 1})))
    wait_for_status(dev, run_id)
    trace = httpx.get(f"{dev.url}/sim/runs/{run_id}/trace").json()
    kinds = {r["kind"] for r in trace["records"]}
    assert {"run_queued", "request_sent", "step_saved", "run_ended"} <= kinds
    assert {r["run_id"] for r in trace["records"] if "run_id" in r} == {run_id}
    report = httpx.get(f"{dev.url}/sim/runs/{run_id}/report")
    assert report.headers["content-type"].startswith("text/html")
    assert "py-dev-two-steps" in report.text
    index = httpx.get(f"{dev.url}/").text
    assert f"/sim/runs/{run_id}/report" in index


def test_each_run_has_a_history_the_deploy_check_reads(
    dev: DevServerClient, app: App, tmp_path: Path
) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 1})))
    wait_for_status(dev, run_id)

    history = load_history(dev.save_history(run_id, tmp_path / "run.json"))

    assert (history.run_id, history.function_id, history.state) == (
        run_id,
        "py-dev-two-steps",
        "ended",
    )
    assert [s.op for s in history.steps] == ["StepRun", "StepRun"]
    assert history.events[0]["data"] == {"n": 1}
    missing = httpx.get(f"{dev.url}/sim/runs/nope/history")
    assert missing.status_code == 404


def test_a_run_pulled_through_rest_v2_has_the_history_the_server_serves(
    dev: DevServerClient, tmp_path: Path
) -> None:
    napper = App(dev, "py-nap")

    @napper.client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="py-nap/go"))
    async def nap(ctx: inngest.Context) -> str:
        await ctx.step.run("step_1", lambda: [{"foo": {"bar": 1}}])
        await ctx.step.sleep("nap", 86400)  # in flight for the test: a run can be pulled
        return "rested"

    napper.functions = [nap]
    napper.serve()
    try:
        napper.sync()
        run_id = _run_of(dev, napper.client.send_sync(inngest.Event(name="py-nap/go")))
        asleep = httpx.get(f"{dev.url}/sim/runs/{run_id}/trace", params={"until": "waiting"})
        assert asleep.status_code == 200
        served = load_history(dev.save_history(run_id, tmp_path / "served.json"))
        with RunsSource(dev.url) as source:
            pulled = source.history(run_id)  # /api/v2 and /v0 reads, as from the Go server
    finally:
        napper.stop()

    assert pulled.function_id == served.function_id
    assert [(s.id, s.hashed_id, s.op, s.memo) for s in pulled.steps] == [
        (s.id, s.hashed_id, s.op, s.memo) for s in served.steps
    ]
    assert (pulled.state, pulled.status, pulled.events) == ("sleeping", "Running", served.events)


def test_an_ended_run_cannot_be_pulled_as_from_the_go_server(
    dev: DevServerClient, app: App
) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 2})))
    wait_for_status(dev, run_id)
    with RunsSource(dev.url) as source, pytest.raises(SimError, match="has ended"):
        source.history(run_id)  # /v0/runs/{id}/actions answers 410, as Go's does


def _run_of(dev: DevServerClient, event_ids: list[str]) -> str:
    """The one run the event started: it exists once the send has been answered."""
    (event_id,) = event_ids
    (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
    return str(run["id"])


# ------------------------------------------------------------------ drain mode
def test_no_auto_run_holds_triggered_runs_until_drained() -> None:
    with dev_server(port=0, args=["--no-auto-run"], set_env=False) as held_dev:
        app = two_step_app(held_dev, "py-held")
        try:
            app.client.send_sync(inngest.Event(name="py-held/go", data={"n": 1}))
            app.client.send_sync(inngest.Event(name="py-held/go", data={"n": 2}))
            assert [h["function_id"] for h in held_dev.queued()] == ["py-held-two-steps"] * 2
            assert held_dev.runs() == []  # nothing ran yet
            assert [e["name"] for e in held_dev.events("py-held/go")] == ["py-held/go"] * 2

            runs = held_dev.drain()
            assert [(r["status"], json.loads(r["output"])["n"]) for r in runs] == [
                ("COMPLETED", 1),
                ("COMPLETED", 2),
            ]
            assert held_dev.queued() == []

            app.client.send_sync(inngest.Event(name="py-held/go", data={"n": 3}))
            assert held_dev.clear() == 1
            assert held_dev.drain() == []
            assert len(held_dev.runs()) == 2
        finally:
            app.stop()


# ------------------------------------------------------------------- bad input
def _register(dev: DevServerClient, functions: list[dict[str, Any]]) -> httpx.Response:
    payload = {"appname": "bad-app", "url": "http://127.0.0.1:1/api", "functions": functions}
    return httpx.post(f"{dev.url}/fn/register", json=payload)


def _fn(fn_id: str, **extra: Any) -> dict[str, Any]:
    url = f"http://127.0.0.1:1/api?fnId={fn_id}&stepId=step"
    return {
        "id": fn_id,
        "name": fn_id,
        "triggers": [{"event": "bad/x"}],
        "steps": {"step": {"id": "step", "runtime": {"type": "http", "url": url}}},
        **extra,
    }


def test_a_function_registered_twice_is_refused_and_the_server_goes_on(
    dev: DevServerClient,
) -> None:
    response = _register(dev, [_fn("bad-app-f"), _fn("bad-app-f")])
    assert response.status_code == 400
    assert "registers the function 'bad-app-f' twice" in response.json()["error"]
    assert httpx.get(f"{dev.url}/dev").status_code == 200


def test_an_invalid_config_is_refused_with_what_is_wrong(dev: DevServerClient) -> None:
    response = _register(dev, [_fn("bad-app-g", triggers=[{"event": "x", "expression": "(("}])])
    assert response.status_code == 400
    assert "does not parse as CEL" in response.json()["error"]


def test_a_serve_url_that_does_not_answer_is_a_clear_error(dev: DevServerClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/inngest"
    response = httpx.post(f"{dev.url}/sim/apps", params={"url": url}, timeout=20)
    assert response.status_code == 502
    assert f"cannot sync the app at {url}" in response.json()["error"]
    assert httpx.get(f"{dev.url}/dev").status_code == 200


def test_a_checkpoint_for_an_unknown_run_is_a_404_that_says_so(dev: DevServerClient) -> None:
    response = httpx.post(
        f"{dev.url}/v1/checkpoint/01HNOSUCHRUN0000000000000/async", json={"steps": []}
    )
    assert response.status_code == 404
    assert "no run '01HNOSUCHRUN0000000000000'" in response.json()["error"]


def test_a_run_whose_app_went_away_fails_with_the_reason(dev: DevServerClient) -> None:
    gone = two_step_app(dev, "py-gone")
    gone.stop()
    sent = httpx.post(f"{dev.url}/e/key", json={"name": "py-gone/go"}).json()["ids"]
    run_id = _run_of(dev, sent)
    run = wait_for_status(dev, run_id)
    assert run["status"] == "FAILED"
    assert "request failed: ConnectError" in json.loads(run["output"])["message"]


def test_the_dev_server_refuses_a_port_in_use() -> None:
    sock = bind_loopback()
    port = sock.getsockname()[1]
    try:
        with (
            pytest.raises(SimError, match=r"cannot listen on 127\.0\.0\.1"),
            dev_server(port=port, set_env=False, start_timeout=10),
        ):
            pass
    finally:
        sock.close()


def test_a_send_with_a_bad_event_takes_the_events_before_it(dev: DevServerClient) -> None:
    """As Go's Event API: a partial success, the ids of what was taken, and the error."""
    batch = [{"name": "py-dev/partial"}, {"name": ""}, {"name": "py-dev/partial"}]
    answer = httpx.post(f"{dev.url}/e/key", json=batch)
    assert answer.status_code == 400
    body = answer.json()
    assert len(body["ids"]) == 1
    assert "event #1 has no name" in body["error"]
    assert [e["internal_id"] for e in dev.events("py-dev/partial")] == body["ids"]


def test_apps_named_with_u_are_synced_at_start_beside_others() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first = two_step_app(DevServerClient(url), "py-first", sync=False)
    second = two_step_app(DevServerClient(url), "py-second", sync=False)
    try:
        with dev_server(port=port, args=["-u", first.url, "-u", second.url], set_env=False):
            apps = {a["id"]: a for a in httpx.get(f"{url}/dev").json()["apps"]}
            assert set(apps) == {"py-first", "py-second"}
            assert apps["py-first"]["url"] == first.url
            run_id = _run_of(
                DevServerClient(url),
                second.client.send_sync(inngest.Event(name="py-second/go", data={"n": 2})),
            )
            assert wait_for_status(DevServerClient(url), run_id)["status"] == "COMPLETED"
    finally:
        first.stop()
        second.stop()


def test_the_run_state_api_and_realtime_publish_are_served(dev: DevServerClient, app: App) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 5})))
    wait_for_status(dev, run_id)
    # The run has ended: its state is gone, as on Go's dev server (pkg/coreapi/coreapi.go);
    # tests/sim/test_run_state_api.py reads the state of a run in flight.
    gone = f"runtime state is no longer available for runID: {run_id}"
    for part in ("batch", "actions"):
        answer = httpx.get(f"{dev.url}/v0/runs/{run_id}/{part}")
        assert (answer.status_code, answer.json()["error"]) == (410, gone)
    published = httpx.post(
        f"{dev.url}/v1/realtime/publish", params={"channel": "c", "topic": "t"}, json={"x": 1}
    )
    assert published.status_code == 200


def test_waiting_on_the_server_takes_known_kinds_and_bounded_seconds(
    dev: DevServerClient, app: App
) -> None:
    run_id = _run_of(dev, app.client.send_sync(inngest.Event(name="py-dev/go", data={"n": 2})))
    ended = httpx.get(f"{dev.url}/sim/runs/{run_id}/trace", params={"until": "run_ended"})
    assert "run_ended" in {r["kind"] for r in ended.json()["records"]}

    unknown = httpx.get(f"{dev.url}/sim/runs/{run_id}/trace", params={"until": "finished"})
    assert unknown.status_code == 400
    assert "?until='finished' is not a record kind" in unknown.json()["error"]
    too_long = httpx.get(f"{dev.url}/sim/runs/{run_id}", params={"wait": "1e9"})
    assert too_long.status_code == 400
    assert "?wait=1e9: give 0 to 600 seconds" in too_long.json()["error"]
    assert dev.wait_for_run(run_id)["status"] == "COMPLETED"
