"""The progress contract end to end: at-least-once delivery, exactly-once reading."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, FaultPlan, Simulator
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.progress import FINAL_SEQ, ProgressFeed

DATA = {"lecture_id": "sample-lecture", "user_id": "demo-user"}


@pytest.fixture
def services(tmp_path: Path) -> Services:
    return Services.local(tmp_path / "data", chunk_size=2, max_polls=2, retries=2)


async def _run(
    services: Services, function_id: str, *, faults: FaultPlan | None = None, **data: Any
) -> tuple[list[Any], list[dict[str, Any]]]:
    client = inngest.Inngest(app_id="lecture-media", is_production=False)
    async with Simulator(
        client, build_functions(client, services), faults=faults, backoff=Backoff(jitter=0)
    ) as sim:
        await sim.send({"name": _trigger(function_id), "data": {**DATA, **data}})
        runs = await sim.settle()
        return runs, sim.published


def _trigger(function_id: str) -> str:
    from pipelines import TRIGGERS

    return TRIGGERS[function_id]


def _feed(published: list[dict[str, Any]]) -> ProgressFeed:
    feed = ProgressFeed()
    for message in published:
        feed.accept(message["topic"], message["data"])
    return feed


@pytest.mark.parametrize(
    "fault",
    [
        # The publish happened; its answer never reached Inngest, which runs the step again.
        lambda plan: plan.lose_response(step="progress-images-0", attempts=[0]),
        # The publish happened, then the step failed: it is retried and publishes again.
        lambda plan: plan.raises_after(ConnectionError("reset"), step="progress-images-1", first=1),
        lambda plan: plan.lose_response(step="progress-images-done", attempts=[0]),
    ],
    ids=["lost-response", "publish-then-fail", "lost-terminal"],
)
async def test_repeated_progress_steps_reach_the_consumer_once(
    services: Services, fault: Any
) -> None:
    create_sample_lecture(services.store, segments=2)  # 4 images: chunks 0 and 1
    plan = FaultPlan()
    fault(plan)

    runs, published = await _run(services, "generate-segment-images", faults=plan)

    plan.assert_all_called()
    (run,) = [r for r in runs if r.function_id.endswith("generate-segment-images")]
    assert run.status == "Completed", run.error
    sent = [(m["data"]["run_id"], m["data"]["seq"]) for m in published]
    assert len(sent) == 4  # chunk 0, chunk 1 and the terminal message, one of them twice
    assert sorted(set(sent)) == [(run.run_id, 0), (run.run_id, 1), (run.run_id, FINAL_SEQ)]
    feed = _feed(published)
    assert feed.duplicates == 1
    (seen,) = feed.runs.values()
    assert seen.status == "completed"
    assert sorted(seen.assets) == [f"image/{s}/{i}" for s in range(2) for i in range(2)]
    assert (seen.ok, seen.failed, seen.total) == (4, 0, 4)
    assert seen.summary is not None
    assert seen.summary["generated"] == 4


async def test_videos_number_both_phases_then_finish(services: Services) -> None:
    create_sample_lecture(services.store, segments=3, sensitive_segments=[1])

    _, published = await _run(services, "generate-segment-videos")

    messages = [m["data"] for m in published]
    assert [(m["phase"], m["seq"], m["status"]) for m in messages] == [
        ("start-images", 0, "running"),
        ("start-images", 1, "running"),
        ("videos", 2, "running"),
        ("videos", 3, "running"),
        ("videos", FINAL_SEQ, "completed"),
    ]
    assert {m["kind"] for m in messages} == {"videos"}
    (seen,) = _feed(published).runs.values()
    # The consumer counts videos only; the starting images are a prelude.
    assert sorted(seen.assets) == ["video/0/0", "video/1/0", "video/2/0"]
    assert (seen.ok, seen.failed) == (2, 1)


async def test_a_failed_run_ends_with_a_failed_message(services: Services) -> None:
    create_sample_lecture(services.store, segments=2)

    runs, published = await _run(services, "generate-narration", user_id="mallory")

    failed = next(r for r in runs if r.function_id.endswith("generate-narration"))
    assert failed.status == "Failed"
    handler = [r for r in runs if r is not failed]
    assert [r.status for r in handler] == ["Completed"]  # the on_failure run
    (message,) = published
    assert message["channel"] == "lecture:sample-lecture"
    assert message["topic"] == "narration"
    data = message["data"]
    assert (data["run_id"], data["seq"], data["status"]) == (failed.run_id, FINAL_SEQ, "failed")
    assert "may not generate media" in data["error"]["message"]
    (seen,) = _feed(published).runs.values()
    assert seen.status == "failed"


async def test_no_failed_message_for_a_request_naming_no_valid_lecture(
    services: Services,
) -> None:
    runs, published = await _run(services, "generate-music", lecture_id="../etc")
    assert sorted(r.status for r in runs) == ["Completed", "Failed"]
    assert published == []


def test_the_feed_ignores_messages_outside_the_contract() -> None:
    feed = ProgressFeed()
    assert not feed.accept("images", {"status": "running"})
    assert not feed.accept("images", {"run_id": "r", "seq": "0"})
    assert feed.accept("images", {"run_id": "r", "seq": 0, "status": "running", "results": []})
    assert not feed.accept("images", {"run_id": "r", "seq": 0, "status": "running"})
    assert feed.duplicates == 1


def test_the_slices_of_a_long_lecture_fold_into_their_parent_run() -> None:
    feed = ProgressFeed()

    def chunk(run_id: str, seq: int, key: str, **extra: object) -> dict[str, object]:
        item = {"key": key, "ok": not extra.get("retry"), **extra}
        return {
            "run_id": run_id,
            "seq": seq,
            "status": "running",
            "phase": "videos",
            "total": 1,
            "results": [item],
        }

    feed.accept("videos", {**chunk("child-1", 0, "video/0/0"), "parent_run_id": "parent"})
    feed.accept("videos", {**chunk("child-2", 0, "video/1/0"), "parent_run_id": "parent"})
    feed.accept("videos", {**chunk("child-2", 0, "video/1/0"), "parent_run_id": "parent"})
    # A retryable failure that a follow-up round replaces with its later outcome.
    feed.accept(
        "videos", {**chunk("child-3", 0, "video/2/0", retry=True), "parent_run_id": "parent"}
    )
    assert feed.runs["parent"].failed == 1
    feed.accept("videos", {**chunk("child-4", 0, "video/2/0"), "parent_run_id": "parent"})
    feed.accept(
        "videos",
        {
            "run_id": "parent",
            "seq": 1000,
            "status": "completed",
            "summary": {"generated": 3, "failed": 0},
        },
    )

    assert list(feed.runs) == ["parent"]
    run = feed.runs["parent"]
    assert (run.status, run.ok, run.failed, run.total) == ("completed", 3, 0, 3)
    assert feed.duplicates == 1
