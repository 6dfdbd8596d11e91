"""The four pipelines end to end on inngest_sim, through the real SDK.

Each test drives a real Inngest function with the local provider (real files,
no network), SQLite persistence and the SDK's own realtime publish, whose calls
land in the simulator.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, FaultPlan, RunResult, Simulator
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.models import AssetKind, Lecture, Segment
from pipelines.providers import LocalProvider
from product.tests._fakes import MUSIC_STEPS, CountingProvider

SEGMENTS = 4
CHUNK = 3


@pytest.fixture
def services(tmp_path: Path) -> Services:
    # The default publisher: inngest.experimental.realtime.publish through the SDK.
    return Services.local(
        tmp_path / "data", chunk_size=CHUNK, max_polls=3, retries=2, follow_up_delays=()
    )


def _client() -> inngest.Inngest:
    return inngest.Inngest(app_id="lecture-media", is_production=False)


async def _run(
    services: Services,
    function_id: str,
    *,
    faults: FaultPlan | None = None,
    data: dict[str, Any] | None = None,
) -> tuple[RunResult, list[dict[str, Any]]]:
    client = _client()
    functions = build_functions(client, services)
    async with Simulator(
        client, functions, faults=faults, backoff=Backoff(jitter=0), fail_on_assertion=True
    ) as sim:
        run = await sim.run(
            function_id, data=data or {"lecture_id": "sample-lecture", "user_id": "demo-user"}
        )
        return run, sim.published


def _progress_per_asset(published: list[dict[str, Any]]) -> Counter[tuple[int, int]]:
    return Counter(
        (item["segment"], item["index"])
        for message in published
        if message["data"]["status"] == "running"
        for item in message["data"]["results"]
    )


def _files(services: Services, pattern: str) -> list[Path]:
    return list(Path(services.assets.root).rglob(pattern))  # type: ignore[attr-defined]


def _stored(services: Services, kind: AssetKind) -> dict[tuple[int, int], bool]:
    return {
        (record.segment, record.index): record.ok
        for record in services.store.list_assets("sample-lecture", kind)
    }


async def test_images_all_succeed_persist_and_respect_the_chunk_size(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)

    run, published = await _run(services, "generate-segment-images")

    assert run.status == "Completed", run.error
    assert run.output["generated"] == SEGMENTS * 2
    assert run.output["failed"] == 0
    stored = _stored(services, AssetKind.IMAGE)
    assert stored == {(s, i): True for s in range(SEGMENTS) for i in range(2)}
    image_steps = [key for key in run.steps if key.startswith("image-")]
    assert len(image_steps) == SEGMENTS * 2
    assert all(run.steps[key].executions == 1 for key in image_steps)
    assert run.max_concurrency("image-*") == CHUNK
    groups = run.concurrent_groups("image-*")
    assert [len(g) for g in groups] == [3, 3, 2]
    assert set(_progress_per_asset(published).values()) == {1}
    assert len(_progress_per_asset(published)) == SEGMENTS * 2
    assert len(_files(services, "*.png")) == SEGMENTS * 2


async def test_a_sensitive_image_is_recorded_as_failed_while_the_rest_persist(
    services: Services,
) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS, sensitive_segments=[1])

    run, published = await _run(services, "generate-segment-images")

    assert run.status == "Completed", run.error
    codes = {(f["segment"], f["index"]): f["code"] for f in run.output["failures"]}
    assert codes == {(1, 0): "SENSITIVE_CONTENT", (1, 1): "SENSITIVE_CONTENT"}
    stored = _stored(services, AssetKind.IMAGE)
    assert [slot for slot, ok in stored.items() if not ok] == [(1, 0), (1, 1)]
    assert sum(stored.values()) == SEGMENTS * 2 - 2
    # A refusal is a recorded result, not an error: no retries for it.
    assert [a.outcome for a in run.steps["image-1-0"].attempts] == ["ok"]
    assert set(_progress_per_asset(published).values()) == {1}


async def test_a_transient_failure_retries_only_that_asset(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)
    plan = FaultPlan()
    plan.raises(ConnectionError("provider unavailable"), step="image-2-1", first=2)

    run, _ = await _run(services, "generate-segment-images", faults=plan)

    assert run.status == "Completed", run.error
    assert run.output["failed"] == 0
    assert [a.outcome for a in run.steps["image-2-1"].attempts] == ["error", "error", "ok"]
    others = [k for k in run.steps if k.startswith("image-") and k != "image-2-1"]
    assert all(run.steps[k].executions == 1 for k in others)
    assert all(len(run.steps[k].attempts) == 1 for k in others)
    plan.assert_all_called()


async def test_exhausted_retries_become_that_assets_recorded_failure(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)
    plan = FaultPlan()
    plan.raises(ConnectionError("provider unavailable"), step="narration-3")

    run, published = await _run(services, "generate-narration", faults=plan)

    assert run.status == "Completed", run.error
    assert [a.outcome for a in run.steps["narration-3"].attempts] == ["error", "error", "failed"]
    assert run.output["failed"] == 1
    stored = _stored(services, AssetKind.NARRATION)
    assert stored == {(0, 0): True, (1, 0): True, (2, 0): True, (3, 0): False}
    assert _progress_per_asset(published)[(3, 0)] == 1


async def test_a_lose_response_runs_the_step_twice_but_persists_once(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)
    plan = FaultPlan()
    plan.lose_response(step="image-0-0", attempts=[0])

    run, _ = await _run(services, "generate-segment-images", faults=plan)

    assert run.status == "Completed", run.error
    assert run.steps["image-0-0"].executions == 2
    assert len(services.store.list_assets("sample-lecture", AssetKind.IMAGE)) == SEGMENTS * 2


async def test_music_is_started_then_polled(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)

    run, published = await _run(services, "generate-music")

    assert run.status == "Completed", run.error
    assert set(run.steps) == set(MUSIC_STEPS)
    assert _stored(services, AssetKind.MUSIC) == {(0, 0): True}
    assert [m["data"]["status"] for m in published] == ["running", "completed"]


async def test_videos_poll_with_sleeps_in_virtual_time(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS, sensitive_segments=[2])

    run, _published = await _run(services, "generate-segment-videos")

    assert run.status == "Completed", run.error
    assert run.wall_seconds < 30
    stored = _stored(services, AssetKind.VIDEO)
    # Segment 2's starting image was refused: a recorded video failure, no video steps.
    assert stored[(2, 0)] is False
    assert [slot for slot, ok in stored.items() if ok] == [(0, 0), (1, 0), (3, 0)]
    assert not any(key.startswith("video-start-2") for key in run.steps)
    waits = [key for key in run.steps if key.startswith("video-wait-")]
    assert waits, "renders are polled after step.sleep"
    assert run.virtual_duration.total_seconds() >= services.poll_interval.total_seconds()
    assert run.max_concurrency("start-image-*") <= CHUNK
    assert run.max_concurrency("video-*") <= CHUNK


async def test_bad_input_is_non_retriable_and_persists_nothing(services: Services) -> None:
    create_sample_lecture(services.store, segments=SEGMENTS)

    run, _ = await _run(
        services, "generate-segment-images", data={"lecture_id": "../etc", "user_id": "demo-user"}
    )

    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["code"] == "non_retriable_error"
    assert "lecture_id" in run.error["message"]
    assert len(run.requests) == 1
    assert services.store.list_assets("sample-lecture") == []


async def test_a_video_rerun_reuses_the_stored_starting_images(tmp_path: Path) -> None:
    provider = CountingProvider(LocalProvider())
    services = Services.local(
        tmp_path / "data", images=provider, video=provider, max_polls=2, chunk_size=CHUNK
    )
    services.store.create_lecture(
        Lecture(
            "sample-lecture",
            "demo-user",
            "Optics",
            (Segment(0, "Light.", "A prism"), Segment(1, "Slow.", "A drop [slow-render]")),
        )
    )

    first, _ = await _run(services, "generate-segment-videos")
    # Segment 1's render never finishes: its video is a TIMEOUT, its starting image stored.
    assert first.output["failures"][0]["code"] == "TIMEOUT"
    assert provider.counts["generate_image"] == 2

    again, _ = await _run(services, "generate-segment-videos")

    assert again.status == "Completed", again.error
    assert provider.counts["generate_image"] == 2  # nothing paid for the stored still
    assert not any(step.startswith("start-image-") for step in again.steps)
    assert "video-start-1" in again.steps  # the render is tried again from the stored still
    assert "video-start-0" not in again.steps  # segment 0's video exists
    assert again.output["start_images_reused"] == 1

    forced, _ = await _run(
        services,
        "generate-segment-videos",
        data={"lecture_id": "sample-lecture", "user_id": "demo-user", "force": True},
    )
    assert forced.status == "Completed", forced.error
    assert provider.counts["generate_image"] == 4  # force regenerates everything
