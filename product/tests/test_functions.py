"""The four Inngest functions, driven by the SDK's own `inngest.experimental.mocked` executor.

The mocked executor runs steps sequentially, retries with one run-wide counter and never
produces exhausted-retry step errors by itself; exhausted steps are simulated here with
``step_stubs`` holding an ``{"error": ...}`` memo, which is what Inngest replays.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import inngest
import pytest
from inngest.experimental import mocked

from pipelines import FUNCTION_IDS, TRIGGERS, Services, build_functions, create_sample_lecture
from pipelines.models import AssetKind, Lecture, Segment
from pipelines.progress import FINAL_SEQ
from product.tests._fakes import MUSIC_STEPS, RecordingPublisher
from product.tests._recorder import Recording, recording_middleware

pytestmark = pytest.mark.usefixtures("mocked_loop")

DATA = {"lecture_id": "lec", "user_id": "demo-user"}


def running(publisher: RecordingPublisher) -> list[dict[str, Any]]:
    """The per-asset entries of the ``running`` messages, in publish order."""
    return [r for _, _, m in publisher.messages if m["status"] == "running" for r in m["results"]]


def run(
    services: Services,
    function_id: str,
    data: dict[str, object],
    *,
    stubs: dict[str, object] | None = None,
    recording: Recording | None = None,
) -> Any:
    middleware = [] if recording is None else [recording_middleware(recording)]
    client = mocked.Inngest(app_id="test", is_production=False, middleware=middleware)
    functions = {f.local_id: f for f in build_functions(client, services)}
    event = inngest.Event(name=TRIGGERS[function_id], data=data)
    return mocked.trigger(functions[function_id], event, client, step_stubs=stubs)


def test_build_functions_ids_and_triggers(services: Services) -> None:
    client = inngest.Inngest(app_id="lecture-media", is_production=False)
    functions = build_functions(client, services)
    # each pipeline, then the child it invokes per slice of a long lecture
    assert [f.local_id for f in functions] == [
        name for fid in FUNCTION_IDS for name in (fid, f"{fid}-slice")
    ]
    assert FUNCTION_IDS == (
        "generate-segment-images",
        "generate-narration",
        "generate-music",
        "generate-segment-videos",
    )
    assert TRIGGERS == {
        "generate-segment-images": "lecture/images.requested",
        "generate-narration": "lecture/narration.requested",
        "generate-music": "lecture/music.requested",
        "generate-segment-videos": "lecture/videos.requested",
    }
    config = functions[0].get_config("http://app.test/api/inngest").main
    assert config.triggers[0].event == "lecture/images.requested"  # type: ignore[union-attr]


def test_images_happy_path(services: Services, publisher: RecordingPublisher) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=3)
    recording = Recording()
    result = run(services, "generate-segment-images", DATA, recording=recording)
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 6
    assert result.output["failed"] == 0
    assert result.output["persisted"] == {"written": 6, "kept": 0}
    rows = services.store.list_assets("lec", AssetKind.IMAGE)
    assert [(r.segment, r.index, r.ok) for r in rows] == [
        (s, i, True) for s in range(3) for i in range(2)
    ]
    assert set(recording.step_ids) == {
        "validate",
        "prompts",
        *(f"image-{s}-{i}" for s in range(3) for i in range(2)),
        *(f"persist-images-{c}" for c in range(3)),
        *(f"progress-images-{c}" for c in range(3)),
        "progress-images-done",
    }
    # One message per chunk of two, on the lecture's channel, each asset exactly once, then
    # the terminal message; each chunk is persisted right after it is reported; all of one run.
    assert [(c, t, m["status"], m["seq"]) for c, t, m in publisher.messages] == [
        ("lecture:lec", "images", "running", 0),
        ("lecture:lec", "images", "running", 1),
        ("lecture:lec", "images", "running", 2),
        ("lecture:lec", "images", "completed", FINAL_SEQ),
    ]
    assert [m["completed"] for _, _, m in publisher.messages[:3]] == [2, 4, 6]
    assert len({m["run_id"] for _, _, m in publisher.messages}) == 1
    assert publisher.messages[-1][2]["summary"]["generated"] == 6
    published = [r["key"] for r in running(publisher)]
    assert published == [f"image/{s}/{i}" for s in range(3) for i in range(2)]


def test_step_outputs_carry_references_not_bytes(services: Services) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    recording = Recording()
    run(services, "generate-segment-images", DATA, recording=recording)
    for step_id, output in recording.outputs:
        text = json.dumps(output)
        assert len(text) < 10_000, step_id
        if step_id.startswith("image-"):
            assert set(output["asset"]) == {"uri", "sha256", "size", "mime_type"}  # type: ignore[index]


def test_sensitive_segment_fails_alone(services: Services, publisher: RecordingPublisher) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=3, sensitive_segments=[1])
    result = run(services, "generate-segment-images", DATA)
    assert result.status is mocked.Status.COMPLETED
    assert result.output["generated"] == 4
    assert [(f["segment"], f["index"], f["code"]) for f in result.output["failures"]] == [
        (1, 0, "SENSITIVE_CONTENT"),
        (1, 1, "SENSITIVE_CONTENT"),
    ]
    assert all(f["user_action_required"] for f in result.output["failures"])
    failed = [r for r in running(publisher) if not r["ok"]]
    assert [r["error"]["code"] for r in failed] == ["SENSITIVE_CONTENT"] * 2


def test_exhausted_step_becomes_that_assets_failure(services: Services) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    exhausted = {
        "error": {
            "name": "MediaGenerationError",
            "message": "RATE_LIMITED from openai: HTTP 429 (retries exhausted)",
        }
    }
    result = run(services, "generate-segment-images", DATA, stubs={"image-1-0": exhausted})
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 3
    assert result.output["failures"] == [
        {
            "segment": 1,
            "index": 0,
            "code": "RATE_LIMITED",
            "message": "HTTP 429 (retries exhausted)",
            "user_action_required": False,
            "provider": "openai",
        }
    ]


def test_prompt_step_failure_falls_back_to_briefs(services: Services) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    broken = {"error": {"name": "MediaGenerationError", "message": "TIMEOUT from openai: slow"}}
    result = run(services, "generate-segment-images", DATA, stubs={"prompts": broken})
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 2


def test_failing_progress_publish_does_not_fail_the_run(services: Services) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    broken = {"error": {"name": "Exception", "message": "HTTP error: 500"}}
    result = run(services, "generate-narration", DATA, stubs={"progress-narration-0": broken})
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 1


def test_skip_when_content_exists_and_force_regenerates(services: Services) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    assert run(services, "generate-narration", DATA).output["generated"] == 2
    again = run(services, "generate-narration", DATA)
    assert again.status is mocked.Status.COMPLETED
    assert again.output["skipped"] is True
    assert "already exist; send force=true" in again.output["reason"]
    forced = run(services, "generate-narration", {**DATA, "force": True})
    assert forced.output["generated"] == 2
    assert len(services.store.list_assets("lec", AssetKind.NARRATION)) == 2


def test_only_missing_assets_are_regenerated(services: Services, tmp_path: Path) -> None:
    lecture = create_sample_lecture(
        services.store, lecture_id="lec", segments=3, sensitive_segments=[2]
    )
    first = run(services, "generate-narration", DATA)
    assert first.output["failed"] == 1
    # The user fixes the text; only segment 2 runs again.
    fixed = dataclasses.replace(
        lecture,
        segments=(*lecture.segments[:2], Segment(2, "A calmer sentence.", "A drop")),
    )
    _replace_segments(services, fixed)
    recording = Recording()
    second = run(services, "generate-narration", DATA, recording=recording)
    assert second.output["generated"] == 1
    assert {s for s in recording.step_ids if s.startswith("narration-")} == {"narration-2"}
    assert all(r.ok for r in services.store.list_assets("lec", AssetKind.NARRATION))


def _replace_segments(services: Services, lecture: Lecture) -> None:
    # Keep the stored assets: rewrite segment text in place, as an editor would.
    import sqlite3

    with sqlite3.connect(services.store.path) as conn:  # type: ignore[attr-defined]
        for segment in lecture.segments:
            conn.execute(
                "UPDATE segments SET narration_text = ?, visual_brief = ? "
                "WHERE lecture_id = ? AND idx = ?",
                (segment.narration_text, segment.visual_brief, lecture.id, segment.index),
            )
    conn.close()


def test_music_happy_path(services: Services, publisher: RecordingPublisher) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    recording = Recording()
    result = run(services, "generate-music", DATA, recording=recording)
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 1
    assert recording.step_ids == MUSIC_STEPS
    assert recording.max_memos == 7
    assert [(t, m["status"]) for _, t, m in publisher.messages] == [
        ("music", "running"),
        ("music", "completed"),
    ]
    assert services.store.list_assets("lec", AssetKind.MUSIC)[0].ok


def test_videos_happy_path(services: Services, publisher: RecordingPublisher) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=3, sensitive_segments=[1])
    recording = Recording()
    result = run(services, "generate-segment-videos", DATA, recording=recording)
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["generated"] == 2
    (failure,) = result.output["failures"]
    assert failure["segment"] == 1
    assert failure["code"] == "SENSITIVE_CONTENT"
    assert failure["message"].startswith("no video: the start image failed")
    ids = set(recording.step_ids)
    assert {"start-image-0", "start-image-1", "start-image-2"} <= ids
    assert {"video-start-0", "video-poll-0-0", "video-start-2", "video-poll-2-0"} <= ids
    assert not any(i.startswith(("video-start-1", "video-poll-1")) for i in ids)
    kinds = {(r.kind, r.segment): r.ok for r in services.store.list_assets("lec")}
    assert kinds == {
        (AssetKind.START_IMAGE, 0): True,
        (AssetKind.START_IMAGE, 1): False,
        (AssetKind.START_IMAGE, 2): True,
        (AssetKind.VIDEO, 0): True,
        (AssetKind.VIDEO, 1): False,
        (AssetKind.VIDEO, 2): True,
    }
    phases = [(m["phase"], m["seq"]) for _, _, m in publisher.messages]
    assert phases == [
        ("start-images", 0),
        ("start-images", 1),
        ("videos", 2),
        ("videos", 3),
        ("videos", FINAL_SEQ),
    ]


def test_video_render_that_never_finishes_times_out(services: Services) -> None:
    _slow_lecture(services, segments=1)
    result = run(services, "generate-segment-videos", DATA)
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["failures"][0]["code"] == "TIMEOUT"
    assert "after 3 polls" in result.output["failures"][0]["message"]


def _slow_lecture(services: Services, *, segments: int, slow_music: bool = False) -> None:
    services.store.create_lecture(
        Lecture(
            "lec",
            "demo-user",
            "Slow [slow-render]" if slow_music else "Slow",
            tuple(Segment(i, f"Text {i}.", f"Scene {i} [slow-render]") for i in range(segments)),
        )
    )


@pytest.mark.parametrize(
    ("function_id", "expected"),
    [
        ("generate-segment-images", 3 + 6 + 2 * 3),  # 3 + S*I + 2*ceil(S*I/C)
        ("generate-narration", 2 + 3 + 2 * 2),  # 2 + S + 2*ceil(S/C)
        ("generate-music", 2 + 7 + 2),  # 2 + (1+2*P) + 2
        ("generate-segment-videos", 3 + 3 + 4 + 3 * 7 + 4),  # 3 + S + 2ceil + S*(1+2P) + 2ceil
    ],
)
def test_worst_case_step_counts_match_the_formulas(
    services: Services, function_id: str, expected: int
) -> None:
    from pipelines import PIPELINES, limits

    _slow_lecture(services, segments=3, slow_music=True)  # S=3, I=2, C=2, P=3; all renders poll P
    (pipeline,) = [p for p in PIPELINES if p.function_id == function_id]
    assets = {"generate-segment-images": 6, "generate-music": 1}.get(function_id, 3)
    recording = Recording()
    result = run(services, function_id, DATA, recording=recording)
    assert result.status is mocked.Status.COMPLETED, result.error
    # The worst case also counts the retry of unrecorded results, which runs only when a
    # persist step failed for good.
    assert recording.max_memos == expected == limits.run_steps(pipeline, services, assets) - 1


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"user_id": "demo-user"}, "no 'lecture_id'"),
        ({"lecture_id": "missing", "user_id": "demo-user"}, "lecture 'missing' does not exist"),
        ({"lecture_id": "lec", "user_id": "mallory"}, "user 'mallory' may not generate"),
        ({"lecture_id": "../x", "user_id": "demo-user"}, "is not valid"),
        ({"lecture_id": "/", "user_id": "demo-user"}, "is not valid"),
        ({"lecture_id": "a\\b", "user_id": "demo-user"}, "is not valid"),
        ({"lecture_id": "lec", "user_id": "demo-user", "force": "no"}, "'force' must be"),
    ],
)
@pytest.mark.parametrize("function_id", FUNCTION_IDS)
def test_bad_input_fails_without_side_effects(
    services: Services,
    publisher: RecordingPublisher,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    function_id: str,
    data: dict[str, object],
    match: str,
) -> None:
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    result = run(services, function_id, data)
    assert result.status is mocked.Status.FAILED
    assert isinstance(result.error, inngest.NonRetriableError)
    assert match in str(result.error)
    assert services.store.list_assets("lec") == []
    assert publisher.messages == []
    assert list(cwd.iterdir()) == []
    written = {p.relative_to(tmp_path).parts[:2] for p in tmp_path.rglob("*") if p.is_file()}
    database = {
        ("data", f"lectures.sqlite3{suffix}") for suffix in ("", "-journal", "-wal", "-shm")
    }
    assert written <= database


def test_runs_are_independent(tmp_path: Path) -> None:
    # No global state: two service sets never see each other's lectures.
    first = Services.local(tmp_path / "a", publish=RecordingPublisher())
    second = Services.local(tmp_path / "b", publish=RecordingPublisher())
    create_sample_lecture(first.store, lecture_id="lec", segments=1)
    assert run(first, "generate-music", DATA).status is mocked.Status.COMPLETED
    assert run(second, "generate-music", DATA).status is mocked.Status.FAILED
