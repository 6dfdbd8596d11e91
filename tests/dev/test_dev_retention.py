"""``--keep-runs N``: a long-lived dev server keeps the newest N finished runs and forgets the
rest (their records, and the events and API calls before the oldest run kept)."""

from __future__ import annotations

from typing import Any

import httpx
import inngest
import pytest

from inngest_sim._dev.options import DevOptions
from inngest_sim._errors import InvalidArgument
from inngest_sim.dev import dev_server
from inngest_sim.trace import ApiCalled, EventReceived, RunQueued, Trace
from tests.dev.test_dev_server import App


def quick_app(dev: Any, app_id: str) -> App:
    """An app served and synced, whose ``quick`` function returns its event's ``n``
    (triggered by ``{app_id}/go``)."""
    app = App(dev, app_id)

    @app.client.create_function(
        fn_id="quick", retries=0, trigger=inngest.TriggerEvent(event=f"{app_id}/go")
    )
    async def quick(ctx: inngest.Context) -> int:
        return int(ctx.event.data["n"])

    app.functions = [quick]
    app.serve()
    app.sync()
    return app


def test_only_the_newest_finished_runs_are_kept() -> None:
    with dev_server(port=0, set_env=False, args=["--keep-runs", "5"]) as dev:
        app = quick_app(dev, "keep")
        try:
            run_ids = []
            for n in range(30):
                (event_id,) = httpx.post(
                    f"{dev.url}/e/key", json={"name": "keep/go", "data": {"n": n}}
                ).json()["ids"]
                (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
                run_ids.append(run["id"])
                assert dev.wait_for_run(run["id"], timeout=20)["status"] == "COMPLETED"
            listed = [r["id"] for r in dev.runs()]
            # Pruned in batches of a tenth (at least one): between 5 and 6 kept.
            assert 5 <= len(listed) <= 6
            assert listed == run_ids[-len(listed) :]
            assert httpx.get(f"{dev.url}/sim/runs/{run_ids[0]}").status_code == 404
            assert httpx.get(f"{dev.url}/v1/events").status_code == 200
            kept = Trace.from_json(httpx.get(f"{dev.url}/sim/runs/{listed[0]}/trace").text)
            assert [r.run_id for r in kept.of(RunQueued)] == [listed[0]]
            events = dev.events("keep/go")
            assert len(events) < 30  # the events before the oldest run kept are forgotten
            assert [e["data"]["n"] for e in events][-len(listed) :] == list(
                range(30 - len(listed), 30)
            )
        finally:
            app.stop()


def test_forget_drops_records_and_seqs_go_on() -> None:
    trace = Trace()
    for seq in range(4):
        trace.append(
            EventReceived(seq=trace.next_seq, t=0.0, wall=0.0, event={"n": seq}, source="event-api")
        )
    assert trace.forget(lambda r: r.seq < 2) == 2
    assert [r.seq for r in trace] == [2, 3]
    assert trace.next_seq == 4
    assert trace.forgotten == 2
    assert [r.seq for r in trace.since(3)] == [3]


def test_events_of_no_run_are_bounded_by_keep_events_while_no_run_ends() -> None:
    """A job that sends events nothing listens to: with ``--keep-events 20`` the server
    keeps the newest 20 (to 22: pruned in batches of a tenth) of its records of no run
    (the events and the Event API calls) and forgets the rest, though no run ever ends."""
    with dev_server(port=0, set_env=False, args=["--keep-events", "20"]) as dev:
        ids = []
        for n in range(100):
            sent = httpx.post(f"{dev.url}/e/key", json={"name": "nobody/listens", "data": {"n": n}})
            ids.extend(sent.json()["ids"])
        events = dev.events()
        assert 0 < len(events) <= 22
        assert [e["data"]["n"] for e in events] == list(range(100 - len(events), 100))
        listed = httpx.get(f"{dev.url}/v1/events", params={"limit": 100}).json()["data"]
        assert {e["id"] for e in listed} == set(ids[-len(events) :])
        calls = dev.api_calls().of(ApiCalled)
        assert len(events) + len(calls) <= 22  # every record of no run counts


def test_keep_events_defaults_to_ten_per_kept_run_and_refuses_a_bad_count() -> None:
    assert DevOptions(keep_runs=3).keep_events is None  # Retention reads it as 30
    with pytest.raises(InvalidArgument, match=r"keep_events=0: give a whole number"):
        DevOptions(keep_events=0)
