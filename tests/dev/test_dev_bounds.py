"""``inngest-sim dev`` admits only what it can serve: requests to apps are bounded
(``--max-in-flight``; more wait their turn, not in an HTTP pool against their timeout), and a
send while the running runs are at ``--max-running`` is a 429 with ``Retry-After``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import inngest
import pytest

from inngest_sim.dev import DevServerClient, dev_server
from tests.dev.test_dev_server import App


class Gate:
    """Holds every step body until the test lets them through one at a time."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.inside = 0
        self.most_inside = 0
        self.passes = threading.Semaphore(0)

    async def hold(self) -> str:
        with self.changed:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            self.changed.notify_all()
        await asyncio.get_running_loop().run_in_executor(None, self.passes.acquire)
        with self.changed:
            self.inside -= 1
            self.changed.notify_all()
        return "through"

    def wait_inside(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.inside == count, timeout=20), self.inside


def held_app(dev: DevServerClient, app_id: str, gate: Gate) -> App:
    app = App(dev, app_id)

    @app.client.create_function(
        fn_id="held", retries=0, trigger=inngest.TriggerEvent(event=f"{app_id}/go")
    )
    async def held(ctx: inngest.Context) -> Any:
        return await ctx.step.run("hold", gate.hold)

    app.functions = [held]
    app.serve()
    app.sync()
    return app


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    for _ in range(20):
        gate.passes.release()  # nothing stays held after a failed test


def send(dev: DevServerClient, name: str) -> httpx.Response:
    return httpx.post(f"{dev.url}/e/key", json={"name": name, "data": {}})


def test_requests_to_apps_are_bounded_and_the_rest_wait_their_turn(gate: Gate) -> None:
    with dev_server(port=0, set_env=False, args=["--max-in-flight", "2"]) as dev:
        app = held_app(dev, "bounded", gate)
        try:
            ids = [send(dev, "bounded/go").json()["ids"][0] for _ in range(6)]
            for remaining in range(6, 0, -1):
                gate.wait_inside(min(2, remaining))
                gate.passes.release()
            runs = [httpx.get(f"{dev.url}/v1/events/{i}/runs").json()["data"][0] for i in ids]
            ended = [dev.wait_for_run(r["id"], timeout=20)["status"] for r in runs]
            assert ended == ["COMPLETED"] * 6
            assert gate.most_inside == 2
        finally:
            app.stop()


def test_a_send_beyond_the_running_bound_is_a_429_with_retry_after(gate: Gate) -> None:
    with dev_server(port=0, set_env=False, args=["--max-running", "2"]) as dev:
        app = held_app(dev, "busy", gate)
        try:
            assert send(dev, "busy/go").status_code == 200
            assert send(dev, "busy/go").status_code == 200
            gate.wait_inside(2)
            refused = send(dev, "busy/go")
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "1"
            assert refused.json()["ids"] == []
            assert "--max-running 2" in refused.json()["error"]
            assert len(dev.events("busy/go")) == 2  # the refused send left nothing behind
            gate.passes.release()
            gate.passes.release()
            for run in dev.runs():
                dev.wait_for_run(run["id"], timeout=20)
            assert send(dev, "busy/go").status_code == 200
            gate.wait_inside(1)
            gate.passes.release()
        finally:
            app.stop()


def test_the_running_bound_counts_the_runs_a_send_would_start(gate: Gate) -> None:
    with dev_server(port=0, set_env=False, args=["--max-running", "3"]) as dev:
        app = held_app(dev, "hard", gate)
        try:
            many = [{"name": "hard/go", "data": {}}] * 4
            alone = httpx.post(f"{dev.url}/e/key", json=many)
            assert alone.status_code == 429, alone.text
            assert alone.headers["retry-after"] == "1"
            assert "this send alone would start 4 runs" in alone.json()["error"]
            assert httpx.post(f"{dev.url}/e/key", json=many[:2]).status_code == 200
            gate.wait_inside(2)
            past = httpx.post(f"{dev.url}/e/key", json=many[:2])  # 2 running + 2 > 3
            assert past.status_code == 429, past.text
            assert "would start 2 more" in past.json()["error"]
            assert "--max-running 3" in past.json()["error"]
            assert len(dev.events("hard/go")) == 2  # nothing of the refused sends was taken
            assert httpx.post(f"{dev.url}/e/key", json=many[:1]).status_code == 200
            gate.wait_inside(3)
            for _ in range(3):
                gate.passes.release()
            for run in dev.runs():
                assert dev.wait_for_run(run["id"], timeout=20)["status"] == "COMPLETED"
        finally:
            app.stop()


def run_of(dev: DevServerClient, event_id: str) -> str:
    """The id of the run an event started (a send's first 200 runs exist once it answers)."""
    (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
    return str(run["id"])


def test_a_freed_slot_goes_to_the_older_runs_next_step_before_newer_runs(gate: Gate) -> None:
    # The Go queue scores a run's work by the run's creation (QueueItem.Score): an older
    # run's next step passes the first requests of runs created after it.
    with dev_server(port=0, set_env=False, args=["--max-in-flight", "1"]) as dev:
        app = held_app(dev, "ordered", gate)
        try:
            (first,) = send(dev, "ordered/go").json()["ids"]
            gate.wait_inside(1)  # the older run's step holds the only slot
            later = [send(dev, "ordered/go").json()["ids"][0] for _ in range(2)]
            older, newer = run_of(dev, first), [run_of(dev, i) for i in later]
            gate.passes.release()
            # Its next request (the function's end) takes the slot, not a newer run's start:
            # the older run ends while the newer ones have not reached the app yet.
            assert dev.wait_for_run(older, timeout=20)["status"] == "COMPLETED"
            gate.wait_inside(1)
            for run_id in newer:
                gate.passes.release()
                assert dev.wait_for_run(run_id, timeout=20)["status"] == "COMPLETED"
        finally:
            app.stop()
