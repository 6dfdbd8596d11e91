"""Deploy safety: the four pipelines' runs in flight, checked against the current code.

``histories/`` holds one golden run history per pipeline, taken mid-run: images and
narration inside a chunk (a step between retries, its chunk partly saved), music asleep
before its first render poll, videos asleep between render polls. CI resumes each one
against the code as it is (``inngest_sim.history``); a change that would hurt a run in
flight fails here with the step, the old and new ids and what to do. Record them again
with ``pytest product/tests/test_deploy_safety.py --inngest-sim-record-histories``.

Two generations are kept: ``*-kit.json``, taken by the tests below from the pipeline kit,
and the first release's (no suffix; one persist step at the end, a list-shaped
``prompts`` output), never re-recorded: runs that release started must still finish.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, Simulator
from inngest_sim.faults import parse_fault_rules
from inngest_sim.history import GoldenHistories, check_deploy, load_history
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.functions import TRIGGERS
from pipelines.functions import images as images_module
from pipelines.kit import _declare, _run

HISTORIES = Path(__file__).parent / "histories"
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

# (golden name, function, virtual seconds into the run, fault rules that hold it mid-chunk)
MOMENTS = [
    ("images-inside-a-chunk-kit", "generate-segment-images", 5, ["transient:image-1-0:first=1"]),
    ("narration-inside-a-chunk-kit", "generate-narration", 5, ["transient:narration-1:first=1"]),
    ("music-asleep-before-a-poll-kit", "generate-music", 10, []),
    ("videos-asleep-between-polls-kit", "generate-segment-videos", 40, []),
]


def _services(root: Path) -> Services:
    # The goldens were taken with these knobs; the check builds the functions the same way.
    return Services.local(root, chunk_size=2, max_polls=3)


def _client() -> inngest.Inngest:
    return inngest.Inngest(app_id="lecture-media", is_production=False)


@pytest.fixture
def goldens(inngest_golden_histories: Callable[[Path], GoldenHistories]) -> GoldenHistories:
    return inngest_golden_histories(HISTORIES)


@pytest.mark.parametrize(("name", "function_id", "seconds", "rules"), MOMENTS)
async def test_each_pipeline_has_a_golden_history_taken_mid_run(
    goldens: GoldenHistories,
    tmp_path: Path,
    name: str,
    function_id: str,
    seconds: float,
    rules: list[str],
) -> None:
    services = _services(tmp_path / "data")
    create_sample_lecture(services.store, segments=3)
    client = _client()
    plan = parse_fault_rules(rules) if rules else None
    async with Simulator(
        client,
        build_functions(client, services),
        seed=1,
        start=START,
        faults=plan,
        backoff=Backoff(jitter=0),
    ) as sim:
        event = {"lecture_id": "sample-lecture", "user_id": "demo-user"}
        await sim.send({"name": TRIGGERS[function_id], "data": event})
        await sim.advance(seconds)
        (run,) = [r for r in sim.runs if r.function_id == f"lecture-media-{function_id}"]
    assert run.status == "Running"
    path = goldens.keep(run, name)

    kept = load_history(path)
    assert kept.function_id == f"lecture-media-{function_id}"
    assert kept.state in ("running", "sleeping")
    assert kept.in_flight or kept.paused_on is not None  # taken mid-run, not between steps


async def test_the_runs_in_flight_survive_the_current_code(
    goldens: GoldenHistories, tmp_path: Path
) -> None:
    client = _client()
    await goldens.check(client, build_functions(client, _services(tmp_path)))


@pytest.fixture(params=["images-inside-a-chunk", "images-inside-a-chunk-kit"])
def images_golden(request: pytest.FixtureRequest) -> Path:
    """The images run in flight of each generation (the first release's, the kit's)."""
    return HISTORIES / f"{request.param}.json"


async def _check_images(tmp_path: Path, golden: Path) -> Any:
    client = _client()
    report = await check_deploy(client, build_functions(client, _services(tmp_path)), golden)
    (verdict,) = report.verdicts
    return verdict


async def test_renaming_the_image_steps_would_rerun_paid_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_golden: Path
) -> None:
    stem = _declare.Phase.asset_step

    def renamed(phase: _declare.Phase, slot: tuple[int, int]) -> str:
        return stem(phase, slot).replace("image-", "picture-")

    monkeypatch.setattr(_declare.Phase, "asset_step", renamed)
    verdict = await _check_images(tmp_path, images_golden)

    assert (verdict.kind, verdict.step, verdict.new_step) == (
        "reruns_step",
        "image-0-0",
        "picture-0-0",
    )
    assert "keep the old step id" in verdict.line()


async def test_a_step_before_the_prompts_would_run_out_of_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_golden: Path
) -> None:
    prompts = _run._prepare

    async def moderated(ctx: inngest.Context, *args: Any) -> Any:
        await ctx.step.run("moderate", lambda: True)
        return await prompts(ctx, *args)

    monkeypatch.setattr(_run, "_prepare", moderated)
    verdict = await _check_images(tmp_path, images_golden)

    assert (verdict.kind, verdict.step, verdict.new_step) == (
        "new_step_first",
        "prompts",
        "moderate",
    )


async def test_a_new_reading_of_the_validated_plan_fails_on_the_old_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_golden: Path
) -> None:
    class StrictLecture(_run.Lecture):  # type: ignore[misc]
        @classmethod
        def from_json(cls, data: Any) -> Any:
            return super().from_json({**data, "language": data["language"]})

    monkeypatch.setattr(_run, "Lecture", StrictLecture)
    verdict = await _check_images(tmp_path, images_golden)

    assert (verdict.kind, verdict.step) == ("unreadable_output", "validate")
    assert "KeyError: 'language'" in verdict.detail


async def test_a_changed_image_body_with_the_same_output_is_safe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images_golden: Path
) -> None:
    original = images_module.generate_single_image

    async def retuned(prompt: str, **kwargs: Any) -> Any:
        return await original(prompt.strip(), **kwargs)

    monkeypatch.setattr(images_module, "generate_single_image", retuned)
    verdict = await _check_images(tmp_path, images_golden)

    assert verdict.ok, verdict.line()
