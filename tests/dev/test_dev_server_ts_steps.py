"""``step.fetch`` and signals of the TypeScript app through ``inngest-sim dev``, with the
app's checkpointing on and off: the fetch goes to a real loopback server, the signal through
the dev server's ``POST /v1/signals``, as against the Inngest dev server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from inngest_sim.dev import DevServerClient, dev_server
from tests.dev._capture_app import start_app
from tests.dev.conftest import require_ts_app
from tests.dev.test_dev_server_ts import records, run_of, send


class _Remote(BaseHTTPRequestHandler):
    """Answers any request with 500 on paths with "500", else 200; the body says what came."""

    def _answer(self) -> None:
        size = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(size).decode() if size else ""
        text = f"got {self.command} {body}".encode()
        self.send_response(500 if "500" in self.path else 200)
        self.send_header("x-echo", self.headers.get("x-ts-app", ""))
        self.send_header("content-length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None  # quiet: the test reads the answers, not the log


@pytest.fixture(scope="module")
def remote() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Remote)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module", params=["checkpointing", "classic"])
def dev(request: pytest.FixtureRequest) -> Iterator[DevServerClient]:
    require_ts_app()
    with dev_server(args=[], set_env=False, port=0) as client:
        app = start_app(client.url, checkpointing=request.param == "checkpointing")
        try:
            assert httpx.put(app.serve_url, timeout=10).status_code == 200
            yield client
        finally:
            app.stop()


def test_fetch_goes_to_a_loopback_server_and_keeps_its_500(
    dev: DevServerClient, remote: str
) -> None:
    data = {"url": f"{remote}/s500", "method": "POST", "body": '{"a":1}'}
    run = dev.wait_for_run(run_of(dev, send(dev, "ts/fetch", data)))
    assert run["status"] == "COMPLETED"
    assert run["output"] == '{"status":500,"body":"got POST {\\"a\\":1}","echoed":"fetch"}'


def test_a_signal_through_the_api_resumes_the_waiter(dev: DevServerClient) -> None:
    run_id = run_of(dev, send(dev, "ts/signal.wait", {"signal": "dev-signal", "timeout": "1h"}))
    records(dev, run_id, "waiting", until="waiting")
    answer = httpx.post(f"{dev.url}/v1/signals", json={"signal": "dev-signal", "data": [1, 2]})
    assert answer.status_code == 200
    assert answer.json()["data"] == {"run_id": run_id}  # apiv1 WriteResponse: data + metadata
    assert set(answer.json()["metadata"]) == {"fetched_at"}
    run = dev.wait_for_run(run_id)
    assert run["output"] == '{"got":{"signal":"dev-signal","data":[1,2]}}'
    again = httpx.post(f"{dev.url}/v1/signals", json={"signal": "dev-signal", "data": 3})
    assert (again.status_code, again.json()["error"]) == (404, "No signal found")
    bad = httpx.post(f"{dev.url}/v1/signals", content=b"{nope")
    assert (bad.status_code, bad.json()["error"]) == (400, "Invalid signal data")
    # As inngest dev (built at 253303cd) answered the same bodies: a signal that is not a
    # string is unreadable (400), an empty one reaches Go's ResumeSignal, whose refusal
    # apiv1/signals.go answers with a 500.
    for body, status, error in (
        ({"signal": 5}, 400, "Invalid signal data"),
        ({}, 500, "Failed to receive signal"),
        ({"signal": ""}, 500, "Failed to receive signal"),
    ):
        answer = httpx.post(f"{dev.url}/v1/signals", json=body)
        assert (answer.status_code, answer.json()["error"]) == (status, error), body


def test_a_deferred_run_starts_when_its_parent_ends(dev: DevServerClient) -> None:
    parent = dev.wait_for_run(run_of(dev, send(dev, "ts/defer", {"n": 7})))
    assert parent["status"] == "COMPLETED"
    (scheduled,) = dev.events("inngest/deferred.schedule")
    assert scheduled["data"]["n"] == 7
    assert scheduled["data"]["_inngest"]["parent_run_id"] == parent["id"]
    (child,) = httpx.get(f"{dev.url}/v1/events/{scheduled['id']}/runs").json()["data"]
    done = dev.wait_for_run(str(child["id"]))
    assert done["output"] == '{"input":{"n":7},"parent":"ts-app-with-defer"}'


def test_metadata_through_the_dev_server_is_kept(dev: DevServerClient) -> None:
    run = dev.wait_for_run(run_of(dev, send(dev, "ts/metadata", {"size": 2})))
    assert run["status"] == "COMPLETED"
    added = records(dev, run["id"], "metadata_added")
    assert [(m["step"], m["source"], m["dropped"]) for m in added] == [
        ("measured", "op", None),
        ("run-meta", "op", None),
        ("measured", "api", None),
    ]
