from __future__ import annotations

import datetime
import json
from collections.abc import Awaitable, Callable
from pathlib import Path

import inngest
import pytest

from pipelines.assets import LocalAssetStore
from pipelines.errors import ErrorCode, InvalidRequestError, MediaGenerationError
from pipelines.models import AssetOutcome, GeneratedMedia, Lecture, Segment
from pipelines.orchestrators import AssetContext, failure_from_step_error
from pipelines.orchestrators.audio import generate_single_narration, narration_text
from pipelines.orchestrators.image import (
    build_image_prompts,
    generate_single_image,
    template_image_prompts,
)
from pipelines.orchestrators.music import generate_single_music, music_prompt
from pipelines.orchestrators.video import (
    build_video_prompts,
    generate_single_starting_image,
    generate_single_video,
    poll_single_video,
    start_single_video,
)
from pipelines.providers import RenderStatus as VideoStatus
from product.tests._fakes import PNG, WAV, ScriptedProvider


async def _no_sleep(_seconds: float) -> None:
    return None


Helper = Callable[[ScriptedProvider, LocalAssetStore, AssetContext], Awaitable[AssetOutcome]]

HELPERS: dict[str, Helper] = {
    "image": lambda p, a, c: generate_single_image("prompt", provider=p, assets=a, context=c),
    "narration": lambda p, a, c: generate_single_narration("text", provider=p, assets=a, context=c),
    "music": lambda p, a, c: generate_single_music(
        "calm", provider=p, assets=a, context=c, sleep=_no_sleep
    ),
    "start_image": lambda p, a, c: generate_single_starting_image(
        "first frame", provider=p, assets=a, context=c
    ),
}
CONTEXT = AssetContext(run_id="run-1", segment=2, index=1, attempt=0, max_attempts=5)


@pytest.fixture
def assets(tmp_path: Path) -> LocalAssetStore:
    return LocalAssetStore(tmp_path / "assets")


@pytest.mark.parametrize("kind", HELPERS)
async def test_success_returns_a_reference(kind: str, assets: LocalAssetStore) -> None:
    provider = ScriptedProvider([GeneratedMedia(WAV, "audio/wav", "model-x")])
    result = await HELPERS[kind](provider, assets, CONTEXT)
    assert result["ok"]
    assert result["asset"]["mime_type"] == "audio/wav"
    assert assets.read(result["asset"]) == WAV
    assert result["meta"]["model"] == "model-x"
    assert result["meta"]["provider"] == "scripted"
    assert (result["meta"]["segment"], result["meta"]["index"]) == (2, 1)
    assert result["meta"]["run_id"] == "run-1"
    json.dumps(result)  # step outputs must be plain JSON


@pytest.mark.parametrize("kind", HELPERS)
@pytest.mark.parametrize(
    "code",
    [
        ErrorCode.SENSITIVE_CONTENT,
        ErrorCode.INVALID_INPUT,
        ErrorCode.AUTH_FAILED,
        ErrorCode.QUOTA_EXCEEDED,
    ],
)
async def test_non_retryable_returns_a_failure(
    kind: str, code: ErrorCode, assets: LocalAssetStore
) -> None:
    provider = ScriptedProvider([MediaGenerationError(code, "nope", provider="p")])
    result = await HELPERS[kind](provider, assets, CONTEXT)
    assert result == {
        "ok": False,
        "error": {
            "code": code.value,
            "message": "nope",
            "user_action_required": True,
            "provider": "p",
        },
    }


@pytest.mark.parametrize("kind", HELPERS)
@pytest.mark.parametrize(
    "code", [ErrorCode.RATE_LIMITED, ErrorCode.PROVIDER_UNAVAILABLE, ErrorCode.TIMEOUT]
)
async def test_retryable_raises(kind: str, code: ErrorCode, assets: LocalAssetStore) -> None:
    error = MediaGenerationError(code, "later", provider="p")
    with pytest.raises(MediaGenerationError) as info:
        await HELPERS[kind](ScriptedProvider([error]), assets, CONTEXT)
    assert info.value is error


@pytest.mark.parametrize("kind", HELPERS)
async def test_retry_after_becomes_inngest_retry_after(kind: str, assets: LocalAssetStore) -> None:
    error = MediaGenerationError(ErrorCode.RATE_LIMITED, "slow", provider="p", retry_after=30)
    before = datetime.datetime.now()
    with pytest.raises(inngest.RetryAfterError) as info:
        await HELPERS[kind](ScriptedProvider([error]), assets, CONTEXT)
    delay = info.value.retry_after - before
    assert datetime.timedelta(seconds=29) < delay < datetime.timedelta(seconds=31)
    assert info.value.__cause__ is error
    assert str(info.value) == str(error)


async def test_retry_after_on_the_last_attempt_raises_the_plain_error(
    assets: LocalAssetStore,
) -> None:
    # A RetryAfterError is retried at function level and would fail the whole run once
    # attempts are exhausted; the plain error becomes a recorded step failure instead.
    error = MediaGenerationError(ErrorCode.RATE_LIMITED, "slow", provider="p", retry_after=30)
    last = AssetContext(run_id="r", segment=0, attempt=4, max_attempts=5)
    with pytest.raises(MediaGenerationError):
        await HELPERS["image"](ScriptedProvider([error]), assets, last)


@pytest.mark.parametrize("kind", HELPERS)
async def test_unexpected_exception_is_wrapped_unknown(kind: str, assets: LocalAssetStore) -> None:
    provider = ScriptedProvider([KeyError("sk-LEAK")], secret="sk-LEAK")
    with pytest.raises(MediaGenerationError) as info:
        await HELPERS[kind](provider, assets, CONTEXT)
    assert info.value.code is ErrorCode.UNKNOWN
    assert info.value.retryable
    assert "KeyError" in info.value.message
    assert "sk-LEAK" not in str(info.value)
    assert info.value.__cause__ is None


async def test_asset_store_failure_is_named_not_blamed_on_the_provider(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(MediaGenerationError) as info:
        await HELPERS["image"](ScriptedProvider(), LocalAssetStore(blocked), CONTEXT)
    assert info.value.code is ErrorCode.ASSET_STORE_UNAVAILABLE
    assert info.value.provider == "asset-store"
    assert info.value.retryable
    assert "could not store the asset" in info.value.message


# --- video start / poll ---------------------------------------------------------------


async def test_start_and_poll_video(assets: LocalAssetStore) -> None:
    ref = assets.put(PNG, "image/png")
    provider = ScriptedProvider()
    provider.polls = [VideoStatus("processing")]
    started = await start_single_video(
        "pan", ref, provider=provider, assets=assets, context=CONTEXT
    )
    assert started == {"ok": True, "prediction_id": "pred-1"}
    pending = await poll_single_video("pred-1", provider=provider, assets=assets, context=CONTEXT)
    assert pending == {"done": False, "status": "processing", "result": None}
    done = await poll_single_video("pred-1", provider=provider, assets=assets, context=CONTEXT)
    assert done["done"]
    assert done["result"] is not None
    assert done["result"]["ok"]
    assert done["result"]["meta"]["prediction_id"] == "pred-1"


async def test_video_failures(assets: LocalAssetStore) -> None:
    ref = assets.put(PNG, "image/png")
    refused = MediaGenerationError(ErrorCode.SENSITIVE_CONTENT, "nsfw", provider="p")
    started = await start_single_video(
        "pan", ref, provider=ScriptedProvider([refused]), assets=assets, context=CONTEXT
    )
    assert not started["ok"]
    provider = ScriptedProvider()
    provider.polls = [MediaGenerationError(ErrorCode.UNKNOWN, "gpu", provider="p", retryable=False)]
    polled = await poll_single_video("pred-1", provider=provider, assets=assets, context=CONTEXT)
    assert polled["done"]
    assert polled["result"] == {
        "ok": False,
        "error": {
            "code": "UNKNOWN",
            "message": "gpu",
            "user_action_required": False,
            "provider": "p",
        },
    }
    provider.polls = [MediaGenerationError(ErrorCode.PROVIDER_UNAVAILABLE, "503", provider="p")]
    with pytest.raises(MediaGenerationError):
        await poll_single_video("pred-1", provider=provider, assets=assets, context=CONTEXT)
    provider.polls = [RuntimeError("boom")]
    with pytest.raises(MediaGenerationError, match="UNKNOWN"):
        await poll_single_video("pred-1", provider=provider, assets=assets, context=CONTEXT)


async def test_generate_single_video_polls_in_process(assets: LocalAssetStore) -> None:
    ref = assets.put(PNG, "image/png")
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    provider = ScriptedProvider()
    provider.polls = [VideoStatus("starting"), VideoStatus("processing")]
    result = await generate_single_video(
        "pan", ref, provider=provider, assets=assets, context=CONTEXT, sleep=sleep, poll_interval=3
    )
    assert result["ok"]
    assert slept == [3, 3, 3]
    provider.polls = [VideoStatus("processing")] * 4
    timed_out = await generate_single_video(
        "pan", ref, provider=provider, assets=assets, context=CONTEXT, sleep=sleep, max_polls=2
    )
    assert not timed_out["ok"]
    assert timed_out["error"]["code"] == "TIMEOUT"
    assert "after 2 polls" in timed_out["error"]["message"]


# --- prompts ------------------------------------------------------------------------

LECTURE = Lecture(
    "lec", "u", "Rainbows", (Segment(0, "Light.", "A prism"), Segment(1, "Drops.", "A drop"))
)


async def test_image_prompts_vary_per_index() -> None:
    provider = ScriptedProvider(
        [GeneratedMedia(b"Prism scene", "text/plain", "m"), GeneratedMedia(b"Drop scene", "t", "m")]
    )
    prompts = await build_image_prompts(LECTURE, 2, provider)
    assert [(p["segment"], p["index"]) for p in prompts] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert prompts[0]["prompt"].startswith("Prism scene. wide establishing shot")
    assert prompts[1]["prompt"].startswith("Prism scene. close-up")
    assert "'Rainbows'" in prompts[3]["prompt"]


async def test_prompt_refusal_falls_back_to_the_brief_but_retryable_raises() -> None:
    refused = MediaGenerationError(ErrorCode.SENSITIVE_CONTENT, "no", provider="p")
    prompts = await build_video_prompts(LECTURE, ScriptedProvider([refused, refused]))
    assert prompts[0]["image_prompt"].startswith("A prism.")
    assert prompts[1]["motion_prompt"].endswith("A drop")
    down = MediaGenerationError(ErrorCode.PROVIDER_UNAVAILABLE, "down", provider="p")
    with pytest.raises(MediaGenerationError):
        await build_image_prompts(LECTURE, 1, ScriptedProvider([down, down]))


def test_template_prompts_and_music_prompt() -> None:
    prompts = template_image_prompts(LECTURE, 3)
    assert len(prompts) == 6
    assert prompts[5]["prompt"].startswith("A drop. clean diagram-style view")
    assert "'Rainbows'" in music_prompt(LECTURE)


def test_narration_text_checks() -> None:
    assert narration_text(Segment(0, "  Hello\n world ", "b")) == "Hello world"
    with pytest.raises(InvalidRequestError, match="segment 3 has no narration text"):
        narration_text(Segment(3, "  ", "b"))
    with pytest.raises(InvalidRequestError, match="limit is 4,096: split the segment"):
        narration_text(Segment(0, "x" * 5000, "b"))


def test_failure_from_step_error_recovers_the_code() -> None:
    original = MediaGenerationError(ErrorCode.RATE_LIMITED, "429", provider="openai")
    error = inngest.StepError(str(original), "MediaGenerationError", None)
    assert failure_from_step_error(error, "x")["error"] == {
        "code": "RATE_LIMITED",
        "message": "429",
        "user_action_required": False,
        "provider": "openai",
    }
    other = inngest.StepError("division by zero", "ZeroDivisionError", None)
    assert failure_from_step_error(other, "local")["error"]["code"] == "UNKNOWN"
    assert failure_from_step_error(other, "local")["error"]["message"] == (
        "ZeroDivisionError: division by zero"
    )
