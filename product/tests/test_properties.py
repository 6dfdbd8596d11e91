"""Property tests of retry isolation for the four pipelines.

For any fault plan within Inngest's retry budget (and, for images, plans that
exhaust it), on the real SDK through inngest_sim:

- every asset whose step finally succeeded is persisted exactly once, and its
  body ran exactly once unless a response was lost for it;
- every asset the provider refused, or whose retries ran out, is recorded as
  failed with the right code;
- no other asset is touched (one attempt, one body execution);
- at most one chunk of provider calls runs at once;
- progress is published once per asset, and the run completes.

Refusals are non-retryable *provider* answers (sensitive segments): the helpers
turn them into ``ok: false`` records. A ``NonRetriableError`` raised out of a
step body would fail the whole run instead, which is not this design.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import inngest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from inngest_sim import Backoff, RunResult, Simulator
from inngest_sim.strategies import GeneratedFaultPlan, explain, fault_plans, seeds
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.models import AssetKind
from pipelines.progress import ProgressFeed

SEGMENTS = 3
CHUNK = 2
RETRIES = 2
RECOVERABLE = ("transient", "lose_response", "retry_after")
IMAGE_STEPS = [f"image-{s}-{i}" for s in range(SEGMENTS) for i in range(2)]
NARRATION_STEPS = [f"narration-{s}" for s in range(SEGMENTS)]
VIDEO_STEPS = [f"start-image-{s}" for s in range(SEGMENTS)] + [
    f"video-start-{s}" for s in range(SEGMENTS)
]
PROPERTY = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    # The explain phase re-runs examples under a tracer: slow with a simulator.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
sensitive_segments = st.sets(st.integers(0, SEGMENTS - 1), max_size=1)

# One client for every example: building one costs two SSL contexts (about 45 ms), a
# third of an example's time; the functions are built per example, over its own services.
CLIENT = inngest.Inngest(app_id="lecture-media", is_production=False)


async def _run(
    function_id: str, plan: GeneratedFaultPlan, sensitive: set[int], seed: int, root: Path
) -> tuple[RunResult, Services, list[dict[str, Any]]]:
    services = Services.local(
        root, chunk_size=CHUNK, retries=RETRIES, max_polls=2, follow_up_delays=()
    )
    create_sample_lecture(services.store, segments=SEGMENTS, sensitive_segments=sorted(sensitive))
    async with Simulator(
        CLIENT,
        build_functions(CLIENT, services),
        faults=plan,
        seed=seed,
        backoff=Backoff(jitter=0),
        fail_on_assertion=True,
    ) as sim:
        run = await sim.run(
            function_id, data={"lecture_id": "sample-lecture", "user_id": "demo-user"}
        )
        return run, services, sim.published


def _simulate(
    function_id: str, plan: GeneratedFaultPlan, sensitive: set[int], seed: int
) -> tuple[RunResult, dict[tuple[int, int], Any], list[dict[str, Any]], Services]:
    with tempfile.TemporaryDirectory() as tmp:
        run, services, published = asyncio.run(_run(function_id, plan, sensitive, seed, Path(tmp)))
        records = services.store.list_assets("sample-lecture")
    stored: dict[tuple[int, int], Any] = {}
    for record in records:
        slot = (record.segment, record.index)
        assert (record.kind, slot) not in stored, f"{record.kind} {slot} persisted twice"
        stored[(record.kind, slot)] = record.result  # type: ignore[index]
    return run, stored, published, services


def _slot(step: str) -> tuple[int, int]:
    parts = step.split("-")
    return (int(parts[-2]), int(parts[-1])) if step.startswith("image-") else (int(parts[-1]), 0)


def _check_isolation(run: RunResult, plan: GeneratedFaultPlan, steps: list[str]) -> None:
    """Faulted steps recover or fail alone; untouched steps ran once, in one attempt."""
    lost = Counter(f.step for f in plan.injected if f.kind == "lose_response")
    counts = {f.step: f.count for f in plan.injected}
    for step in steps:
        if step not in run.steps:
            continue  # e.g. no video-start for a segment whose starting image failed
        result = run.steps[step]
        body_runs = 1 + (counts[step] if lost[step] else 0)
        if step in plan.unrecoverable_steps:
            assert result.attempts[-1].outcome == "failed", step
            continue
        assert result.executions == body_runs, (step, result.executions, plan)
        assert result.attempts[-1].outcome == "ok", step
        if step not in counts:
            assert len(result.attempts) == 1, (step, [a.outcome for a in result.attempts])


def _check_progress(
    published: list[dict[str, Any]], topic: str, slots: set[tuple[int, int]]
) -> None:
    """Each asset reported once, then the terminal message; the consumer agrees."""
    seen = Counter(
        (item["segment"], item["index"])
        for message in published
        if message["data"]["status"] == "running" and message["data"]["phase"] == topic
        for item in message["data"]["results"]
    )
    assert set(seen) == slots
    assert set(seen.values()) == {1}, seen
    feed = ProgressFeed()
    for message in published:
        feed.accept(message["topic"], message["data"])
    (run,) = feed.runs.values()
    assert run.status == "completed"
    assert {(a["segment"], a["index"]) for a in run.assets.values()} == slots


@PROPERTY
@given(
    plan=fault_plans(IMAGE_STEPS, kinds=RECOVERABLE, retries=RETRIES),
    sensitive=sensitive_segments,
    seed=seeds(),
)
def test_images_isolate_every_assets_retries(
    plan: GeneratedFaultPlan, sensitive: set[int], seed: int
) -> None:
    explain(plan, seed)
    run, stored, published, _ = _simulate("generate-segment-images", plan, sensitive, seed)

    assert run.status == "Completed", run.error
    slots = {_slot(step) for step in IMAGE_STEPS}
    for slot in slots:
        result = stored[(AssetKind.IMAGE, slot)]
        if slot[0] in sensitive:
            assert result["error"]["code"] == "SENSITIVE_CONTENT"
        else:
            assert result["ok"], (slot, result)
    _check_isolation(run, plan, IMAGE_STEPS)
    assert run.max_concurrency("image-*") <= CHUNK
    _check_progress(published, "images", slots)


@PROPERTY
@given(
    plan=fault_plans(
        IMAGE_STEPS, kinds=("transient",), retries=RETRIES, max_failures=RETRIES + 1, min_rules=1
    ),
    seed=seeds(),
)
def test_images_with_exhausted_retries_record_only_those_assets_as_failed(
    plan: GeneratedFaultPlan, seed: int
) -> None:
    explain(plan, seed)
    run, stored, published, _ = _simulate("generate-segment-images", plan, set(), seed)

    assert run.status == "Completed", run.error
    failed = {_slot(step) for step in plan.unrecoverable_steps}
    for step in IMAGE_STEPS:
        result = stored[(AssetKind.IMAGE, _slot(step))]
        if _slot(step) in failed:
            # Only the name and message survive Inngest's memo: a ConnectionError is UNKNOWN.
            assert result["error"]["code"] == "UNKNOWN", result
            assert len(run.steps[step].attempts) == RETRIES + 1
        else:
            assert result["ok"], (step, result)
    _check_isolation(run, plan, IMAGE_STEPS)
    _check_progress(published, "images", {_slot(s) for s in IMAGE_STEPS})


@PROPERTY
@given(
    plan=fault_plans(NARRATION_STEPS, kinds=RECOVERABLE, retries=RETRIES),
    sensitive=sensitive_segments,
    seed=seeds(),
)
def test_narration_isolates_every_assets_retries(
    plan: GeneratedFaultPlan, sensitive: set[int], seed: int
) -> None:
    explain(plan, seed)
    run, stored, published, _ = _simulate("generate-narration", plan, sensitive, seed)

    assert run.status == "Completed", run.error
    for segment in range(SEGMENTS):
        result = stored[(AssetKind.NARRATION, (segment, 0))]
        assert result["ok"] is (segment not in sensitive), result
    _check_isolation(run, plan, NARRATION_STEPS)
    assert run.max_concurrency("narration-*") <= CHUNK
    _check_progress(published, "narration", {(s, 0) for s in range(SEGMENTS)})


@PROPERTY
@given(plan=fault_plans(["music"], kinds=RECOVERABLE, retries=RETRIES), seed=seeds())
def test_music_recovers_from_any_fault_within_budget(plan: GeneratedFaultPlan, seed: int) -> None:
    explain(plan, seed)
    run, stored, published, _ = _simulate("generate-music", plan, set(), seed)

    assert run.status == "Completed", run.error
    assert stored[(AssetKind.MUSIC, (0, 0))]["ok"]
    _check_isolation(run, plan, ["music"])
    _check_progress(published, "music", {(0, 0)})


@PROPERTY
@given(
    plan=fault_plans(VIDEO_STEPS, kinds=RECOVERABLE, retries=RETRIES),
    sensitive=sensitive_segments,
    seed=seeds(),
)
def test_videos_isolate_every_assets_retries(
    plan: GeneratedFaultPlan, sensitive: set[int], seed: int
) -> None:
    explain(plan, seed)
    run, stored, published, _ = _simulate("generate-segment-videos", plan, sensitive, seed)

    assert run.status == "Completed", run.error
    for segment in range(SEGMENTS):
        result = stored[(AssetKind.VIDEO, (segment, 0))]
        assert result["ok"] is (segment not in sensitive), result
        if segment in sensitive:
            assert f"video-start-{segment}" not in run.steps
    _check_isolation(run, plan, VIDEO_STEPS)
    assert run.max_concurrency("start-image-*") <= CHUNK
    assert run.max_concurrency("video-*") <= CHUNK
    _check_progress(published, "videos", {(s, 0) for s in range(SEGMENTS)})
