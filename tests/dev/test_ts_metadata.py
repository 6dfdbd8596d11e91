"""Step metadata of the TypeScript SDK v4 app (``inngest.metadata``, ``step.metadata``), on
ops and through ``POST /v1/runs/{id}/metadata``, with checkpointing on and off.

Limits and answers are the Go server's: ``pkg/tracing/metadata.go`` (64 KiB per update,
1 MiB per run) and ``pkg/api/apiv1/metadata.go`` (statuses and messages).
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from inngest_sim import Simulator
from inngest_sim.trace import ApiCalled, MetadataAdded

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def added(sim: Simulator) -> list[tuple[str | None, str, str, object, str, str | None]]:
    return [
        (m.step, m.scope, m.metadata_kind, m.values, m.source, m.dropped)
        for m in sim.trace.of(MetadataAdded)
    ]


async def test_metadata_on_ops_and_through_the_api_is_kept(ts_sim: Simulator) -> None:
    run = await ts_sim.run("with-metadata", data={"size": 3})
    assert run.status == "Completed"
    assert added(ts_sim) == [
        ("measured", "step", "userland.progress", {"progress": 50}, "op", None),
        ("run-meta", "run", "userland.default", {"stage": "done"}, "op", None),
        ("measured", "step", "userland.default", {"note": "xxx"}, "api", None),
    ]
    calls = [(c.path, c.status) for c in ts_sim.trace.of(ApiCalled) if "metadata" in c.path]
    assert calls == [(f"/v1/runs/{run.run_id}/metadata", 200)]


async def test_an_update_over_64_kib_is_refused_with_413(ts_sim: Simulator) -> None:
    run = await ts_sim.run("with-metadata", data={"size": 70_000})
    # The SDK throws on the 413, inside the step (retries 0): the run fails with it.
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["message"] == (
        "Failed to update metadata: Metadata span exceeds maximum size of 64KB"
    )
    (refused,) = [m for m in ts_sim.trace.of(MetadataAdded) if m.dropped]
    assert (refused.source, refused.bytes) == ("api", 70_006)


async def post(port: int, run_id: str, body: bytes) -> tuple[int, str | None]:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"http://127.0.0.1:{port}/v1/runs/{run_id}/metadata", content=body
        )
    return answer.status_code, answer.json()["error"] if answer.content else None


@pytest.mark.parametrize(
    ("run_id", "body", "want"),
    [
        ("not-a-ulid", b"{}", (400, "Invalid run ID: not-a-ulid")),
        ("01M9674VN6VZV211MHZGQJCRGR", b"{nope", (400, "Invalid metadata target")),
        (
            "01M9674VN6VZV211MHZGQJCRGR",
            b'{"target": {"run_id": "x", "step_index": 1}, "metadata": []}',
            (400, "Invalid metadata target"),
        ),
        (
            "01M9674VN6VZV211MHZGQJCRGR",
            b'{"target": {}, "metadata": [{"kind": "inngest.secret", "op": "set", "values": {}}]}',
            (400, "Invalid metadata"),
        ),
        # A run the server cannot load is checked against a request-local limit only.
        ("01M9674VN6VZV211MHZGQJCRGR", b'{"target": {}, "metadata": []}', (200, None)),
    ],
)
async def test_malformed_metadata_requests_get_the_servers_answer(
    ts_app: str, ts_api_port: int, run_id: str, body: bytes, want: tuple[int, str | None]
) -> None:
    async with Simulator.from_url(ts_app, api_port=ts_api_port, start=START):
        assert await post(ts_api_port, run_id, body) == want


async def test_a_run_holds_at_most_1_mib_of_metadata(ts_app: str, ts_api_port: int) -> None:
    async with Simulator.from_url(ts_app, api_port=ts_api_port, start=START) as sim:
        with sim.hold_time():
            (event_id,) = await sim.send({"name": "ts/signal.wait", "data": {"signal": "md"}})
            await sim.settle()
            (run,) = sim.runs_for(event_id)
            update = {"kind": "userland.big", "op": "set", "values": {"n": "x" * 64_000}}
            body = json.dumps({"target": {"run_id": run.run_id}, "metadata": [update]})
            answers = [await post(ts_api_port, run.run_id, body.encode()) for _ in range(17)]
            await sim.signal("md")
    # Each update is 64,003 bytes: 16 fit in 1 MiB, the 17th does not.
    assert answers[:16] == [(200, None)] * 16
    assert answers[16] == (413, "Cumulative metadata size exceeds limit")


async def test_an_update_over_64_kib_on_an_op_is_dropped_and_the_step_saved(
    ts_sim: Simulator,
) -> None:
    run = await ts_sim.run("with-metadata", data={"opSize": 70_000})
    # On an op the server drops it with a warning (executor.go createMetadataSpan): the run
    # goes on, as it did on the real server.
    assert run.status == "Completed"
    (dropped,) = [m for m in ts_sim.trace.of(MetadataAdded) if m.dropped]
    assert (dropped.source, dropped.step, dropped.dropped) == (
        "op",
        "measured",
        "Metadata span exceeds maximum size of 64KB",
    )
