from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.providers import ReplicateProvider

TOKEN = "r8_SECRET_token_abcdef"
BASE = "https://replicate.test"
CDN = "https://delivery.test/out/video.mp4"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt "


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(client: httpx.AsyncClient, sleeps: list[float]) -> ReplicateProvider:
    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return ReplicateProvider(
        client,
        TOKEN,
        base_url=BASE,
        video_model="v1",
        music_model="m1",
        max_music_polls=3,
        sleep=fake_sleep,
    )


def prediction(status: str, **extra: object) -> dict[str, object]:
    return {"id": "abc123", "status": status, **extra}


@respx.mock
async def test_video_start_then_poll(provider: ReplicateProvider) -> None:
    create = respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{BASE}/v1/predictions/abc123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("succeeded", output=CDN)),
        ]
    )
    download = respx.get(CDN).respond(content=MP4, headers={"content-type": "video/mp4"})
    assert await provider.start_video("pan", b"\x89PNG\r\n\x1a\n", "image/png") == "abc123"
    body = json.loads(create.calls.last.request.content)
    assert body["version"] == "v1"
    assert body["input"]["input_image"].startswith("data:image/png;base64,")
    first = await provider.poll_video("abc123")
    assert (first.status, first.done) == ("processing", False)
    second = await provider.poll_video("abc123")
    assert second.done
    assert second.media is not None
    assert (second.media.data, second.media.mime_type) == (MP4, "video/mp4")
    # The token goes to the API only, never to the delivery host.
    assert create.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in download.calls.last.request.headers


@respx.mock
async def test_music_waits_with_injected_sleep(
    provider: ReplicateProvider, sleeps: list[float]
) -> None:
    respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{BASE}/v1/predictions/abc123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("starting")),
            httpx.Response(200, json=prediction("succeeded", output=[CDN])),
        ]
    )
    respx.get(CDN).respond(content=WAV, headers={"content-type": "audio/x-wav"})
    media = await provider.generate_music("calm", duration_seconds=10)
    assert media.mime_type == "audio/wav"
    assert sleeps == [2.0]


@respx.mock
async def test_music_that_never_finishes_times_out(provider: ReplicateProvider) -> None:
    respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{BASE}/v1/predictions/abc123").respond(json=prediction("processing"))
    with pytest.raises(MediaGenerationError) as info:
        await provider.generate_music("calm", duration_seconds=10)
    assert info.value.code is ErrorCode.TIMEOUT
    assert "after 3 polls" in info.value.message


@respx.mock
@pytest.mark.parametrize(
    ("error", "code", "retryable"),
    [
        ("NSFW content detected in output", ErrorCode.SENSITIVE_CONTENT, False),
        ("CUDA out of memory", ErrorCode.UNKNOWN, False),
    ],
)
async def test_failed_prediction(
    provider: ReplicateProvider, error: str, code: ErrorCode, retryable: bool
) -> None:
    respx.get(f"{BASE}/v1/predictions/abc123").respond(json=prediction("failed", error=error))
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("abc123")
    assert (info.value.code, info.value.retryable) == (code, retryable)
    assert error in info.value.message


@respx.mock
@pytest.mark.parametrize(
    ("status", "headers", "code"),
    [
        (429, {"retry-after": "12"}, ErrorCode.RATE_LIMITED),
        (502, {}, ErrorCode.PROVIDER_UNAVAILABLE),
        (401, {}, ErrorCode.AUTH_FAILED),
        (402, {}, ErrorCode.QUOTA_EXCEEDED),
        (422, {}, ErrorCode.INVALID_INPUT),
    ],
)
async def test_http_errors(
    provider: ReplicateProvider, status: int, headers: dict[str, str], code: ErrorCode
) -> None:
    respx.post(f"{BASE}/v1/predictions").respond(
        status, headers=headers, json={"detail": f"bad things, token {TOKEN}"}
    )
    with pytest.raises(MediaGenerationError) as info:
        await provider.start_video("p", b"x", "image/png")
    assert info.value.code is code
    assert TOKEN not in str(info.value)
    if status == 429:
        assert info.value.retry_after == 12.0


@respx.mock
async def test_timeout(provider: ReplicateProvider) -> None:
    respx.get(f"{BASE}/v1/predictions/abc123").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("abc123")
    assert info.value.code is ErrorCode.TIMEOUT


@respx.mock
@pytest.mark.parametrize(
    "body",
    [
        prediction("succeeded", output=None),
        prediction("succeeded", output="ftp://weird"),
        prediction("exploded"),
        ["not", "an", "object"],
    ],
)
async def test_malformed_poll(provider: ReplicateProvider, body: object) -> None:
    respx.get(f"{BASE}/v1/predictions/abc123").respond(json=body)
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("abc123")
    assert info.value.code is ErrorCode.UNKNOWN
    assert info.value.retryable


@respx.mock
async def test_malformed_create(provider: ReplicateProvider) -> None:
    respx.post(f"{BASE}/v1/predictions").respond(201, json={"id": "../../admin"})
    with pytest.raises(MediaGenerationError, match="no usable prediction 'id'"):
        await provider.start_video("p", b"x", "image/png")


async def test_rejects_foreign_prediction_ids(provider: ReplicateProvider) -> None:
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("../secrets")
    assert info.value.code is ErrorCode.INVALID_INPUT
