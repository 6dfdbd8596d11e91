"""The TypeScript app driven through ``inngest-sim dev`` (Node on loopback), as it would
be against the Inngest dev server: synced with a PUT, triggered through the Event API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from inngest_sim.dev import DevServerClient, dev_server
from tests.dev._capture_app import RunningApp, start_app
from tests.dev.conftest import require_ts_app


def send(dev: DevServerClient, name: str, data: dict[str, Any] | None = None) -> str:
    answer = httpx.post(f"{dev.url}/e/NO_EVENT_KEY_SET", json={"name": name, "data": data or {}})
    assert answer.status_code == 200, answer.text
    (event_id,) = answer.json()["ids"]
    return str(event_id)


def run_of(dev: DevServerClient, event_id: str) -> str:
    """The one run the event started: it exists once the send has been answered."""
    (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
    return str(run["id"])


def records(
    dev: DevServerClient, run_id: str, kind: str, *, until: str | None = None
) -> list[dict[str, Any]]:
    """The run's records of ``kind``; with ``until``, once it has a record of that kind."""
    params = {"until": until, "timeout": "10"} if until else {}
    trace = httpx.get(f"{dev.url}/sim/runs/{run_id}/trace", params=params, timeout=20).json()
    return [r for r in trace["records"] if r["kind"] == kind]


class _Served:
    def __init__(self, dev: DevServerClient, app: RunningApp) -> None:
        self.dev, self.app = dev, app


def _serve(args: list[str]) -> Iterator[_Served]:
    require_ts_app()
    with dev_server(port=0, args=args, set_env=False) as dev:
        app = start_app(dev.url, checkpointing=True)
        try:
            assert httpx.put(app.serve_url, timeout=10).status_code == 200
            yield _Served(dev, app)
        finally:
            app.stop()


@pytest.fixture(scope="module")
def real() -> Iterator[_Served]:
    yield from _serve([])


@pytest.fixture(scope="module")
def virtual() -> Iterator[_Served]:
    # The app's far-future instants (2031) are within a year of this start.
    yield from _serve(["--clock", "virtual", "--start", "2030-01-01T00:00:00Z"])


def test_the_ts_app_syncs_under_its_app_name(real: _Served) -> None:
    apps = httpx.get(f"{real.dev.url}/dev").json()["apps"]
    (app,) = [a for a in apps if a["id"] == "ts-app"]
    assert "ts-app-fanout" in app["functions"]
    assert app["sdk"] == "js:v4.24.0"


def test_the_chunked_fanout_checkpoints_as_on_the_server(real: _Served) -> None:
    dev = real.dev
    run_id = run_of(dev, send(dev, "ts/fanout", {"count": 12, "chunk": 5}))
    run = dev.wait_for_run(run_id)
    assert run["status"] == "COMPLETED"
    assert [s["name"] for s in run["steps"]][:3] == ["image-0", "image-1", "image-2"]
    assert len(records(dev, run_id, "request_sent")) == 16
    assert [c["steps"] for c in records(dev, run_id, "checkpointed")] == [["persist"]]


def test_a_wait_is_matched_by_an_event_sent_later(real: _Served) -> None:
    dev = real.dev
    # An ISO deadline an hour away (real time: a wait may last at most a year).
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    data = {"id": "A-9", "deadline": deadline.isoformat(timespec="milliseconds")}
    run_id = run_of(dev, send(dev, "ts/approval.requested", data))
    (waiting,) = records(dev, run_id, "waiting", until="waiting")  # the server says when
    assert waiting["detail"]["if"] == "event.data.id == async.data.id"
    send(dev, "ts/approval", {"id": "A-9", "by": "lead"})
    run = dev.wait_for_run(run_id)
    assert run["status"] == "COMPLETED"
    assert run["output"] == '{"approved":true,"by":"lead"}'


def test_invoke_and_send_event_go_through_the_server(virtual: _Served) -> None:
    dev = virtual.dev
    invoker = dev.wait_for_run(run_of(dev, send(dev, "ts/invoke", {"n": 4})))
    assert invoker["output"] == '{"child":{"doubled":8}}'
    sender = dev.wait_for_run(run_of(dev, send(dev, "ts/send", {"from": "e2e"})))
    assert sender["status"] == "COMPLETED"
    followups = dev.events("ts/followup")
    assert followups
    assert followups[-1]["data"] == {"from": "e2e"}
    assert followups[-1]["source"] == "event-api"


def test_virtual_time_skips_the_sleeps(virtual: _Served) -> None:
    dev = virtual.dev
    run = dev.wait_for_run(run_of(dev, send(dev, "ts/sleeps")), timeout=20)
    assert run["status"] == "COMPLETED"
    assert run["output"] == '"awake"'
    sleeps = records(dev, run["id"], "waiting")
    assert [s["step"] for s in sleeps] == ["sleep-3d", "sleep-90s", "sleep-zero", "sleep-until"]
    # Three days and more went by in the run's virtual time, within wait_for_run's timeout.
    (ended,) = records(dev, run["id"], "run_ended")
    assert ended["t"] - sleeps[0]["t"] >= 3 * 86400
