"""ReplicateProvider on the official ``replicate`` client, against respx routes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.providers import ReplicateProvider, StartingImage
from pipelines.providers.replicate import DEFAULT_MUSIC_MODEL, DEFAULT_VIDEO_MODEL
from product.tests._fakes import prediction

TOKEN = "r8_SECRET_token_abcdef"
BASE = "https://replicate.test"
CDN = "https://delivery.test/out/video.mp4"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt "
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
VERSION = "a" * 64


@pytest.fixture
async def provider() -> AsyncIterator[ReplicateProvider]:
    provider = ReplicateProvider(
        TOKEN,
        base_url=BASE,
        video_model=f"owner/video:{VERSION}",
        music_model="meta/official-music",
        video_prompt_field="prompt",
    )
    yield provider
    await provider.aclose()


def image(url: str | None = None) -> StartingImage:
    return StartingImage(mime_type="image/png", url=url, load=lambda: PNG)


@respx.mock
async def test_video_from_a_presigned_url_then_poll(provider: ReplicateProvider) -> None:
    create = respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{BASE}/v1/predictions/abc123").mock(
        side_effect=[
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("succeeded", output=CDN)),
        ]
    )
    download = respx.get(CDN).respond(content=MP4, headers={"content-type": "video/mp4"})
    signed = "https://bucket.test/sha256/aa/x.png?X-Amz-Signature=1"
    assert await provider.start_video("pan", image(signed)) == "abc123"
    body = json.loads(create.calls.last.request.content)
    assert body == {"version": VERSION, "input": {"input_image": signed, "prompt": "pan"}}
    first = await provider.poll_video("abc123")
    assert (first.status, first.done) == ("processing", False)
    second = await provider.poll_video("abc123")
    assert second.media is not None
    assert (second.media.data, second.media.mime_type) == (MP4, "video/mp4")
    # The token goes to the API only, never to the delivery host.
    assert create.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in download.calls.last.request.headers


@respx.mock
async def test_without_a_url_the_image_is_uploaded_not_inlined(provider: ReplicateProvider) -> None:
    uploaded = "https://api.replicate.test/v1/files/f1/download"
    upload = respx.post(f"{BASE}/v1/files").respond(
        201,
        json={
            "id": "f1",
            "name": "image",
            "content_type": "image/png",
            "size": len(PNG),
            "etag": "e",
            "checksums": {},
            "metadata": {},
            "created_at": "2026-01-01T00:00:00Z",
            "expires_at": None,
            "urls": {"get": uploaded},
        },
    )
    create = respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting"))
    await provider.start_video("pan", image())
    assert upload.called
    assert PNG in upload.calls.last.request.content
    body = json.loads(create.calls.last.request.content)
    assert body["input"]["input_image"] == uploaded  # a URL, never a data: URI


@respx.mock
async def test_an_official_model_is_called_by_name(provider: ReplicateProvider) -> None:
    route = respx.post(f"{BASE}/v1/models/meta/official-music/predictions").respond(
        201, json=prediction("starting")
    )
    assert await provider.start_music("calm", duration_seconds=10) == "abc123"
    body = json.loads(route.calls.last.request.content)
    assert body["input"] == {"prompt": "calm", "duration": 10}


@respx.mock
async def test_music_start_then_poll(provider: ReplicateProvider) -> None:
    respx.get(f"{BASE}/v1/predictions/abc123").respond(json=prediction("succeeded", output=[CDN]))
    respx.get(CDN).respond(content=WAV, headers={"content-type": "audio/x-wav"})
    status = await provider.poll_music("abc123")
    assert status.media is not None
    assert status.media.mime_type == "audio/wav"


@respx.mock
@pytest.mark.parametrize(
    ("error", "code"),
    [
        ("NSFW content detected in output", ErrorCode.SENSITIVE_CONTENT),
        ("CUDA out of memory", ErrorCode.UNKNOWN),
    ],
)
async def test_failed_prediction(provider: ReplicateProvider, error: str, code: ErrorCode) -> None:
    respx.get(f"{BASE}/v1/predictions/abc123").respond(json=prediction("failed", error=error))
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("abc123")
    # Polling again cannot revive a failed prediction.
    assert (info.value.code, info.value.retryable) == (code, False)
    assert error in info.value.message


@respx.mock
@pytest.mark.parametrize(
    ("status", "detail", "code", "delay"),
    [
        (
            429,
            "Request was throttled. Expected available in 1 second.",
            ErrorCode.RATE_LIMITED,
            1.0,
        ),
        (
            429,
            "Request was throttled. Expected available in 12 seconds.",
            ErrorCode.RATE_LIMITED,
            12,
        ),
        (429, "Request was throttled.", ErrorCode.RATE_LIMITED, None),
        (502, "bad gateway", ErrorCode.PROVIDER_UNAVAILABLE, None),
        (401, "bad token", ErrorCode.AUTH_FAILED, None),
        (402, "billing", ErrorCode.QUOTA_EXCEEDED, None),
        (422, "invalid input", ErrorCode.INVALID_INPUT, None),
    ],
)
async def test_http_errors_read_the_body_delay(
    provider: ReplicateProvider, status: int, detail: str, code: ErrorCode, delay: float | None
) -> None:
    route = respx.post(f"{BASE}/v1/predictions").respond(
        status, json={"detail": f"{detail} (token {TOKEN})", "status": status}
    )
    with pytest.raises(MediaGenerationError) as info:
        await provider.start_video("p", image("https://x.test/i.png"))
    assert info.value.code is code
    assert info.value.retry_after == delay
    assert TOKEN not in str(info.value)
    assert route.call_count == 1


@respx.mock
@pytest.mark.parametrize("status", [429, 503, 504])
async def test_a_failing_poll_is_one_request_inngest_retries_the_step(
    provider: ReplicateProvider, status: int
) -> None:
    # replicate.Client's own RetryTransport would retry these GETs ten times, sleeping.
    route = respx.get(f"{BASE}/v1/predictions/abc123").respond(status, json={"detail": "busy"})
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("abc123")
    assert info.value.retryable
    assert route.call_count == 1


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
    respx.post(f"{BASE}/v1/predictions").respond(201, json=prediction("starting", id="../../x"))
    with pytest.raises(MediaGenerationError, match="no usable prediction id"):
        await provider.start_video("p", image("https://x.test/i.png"))


async def test_rejects_foreign_prediction_ids_and_unpinned_models(
    provider: ReplicateProvider,
) -> None:
    with pytest.raises(MediaGenerationError) as info:
        await provider.poll_video("../secrets")
    assert info.value.code is ErrorCode.INVALID_INPUT
    with pytest.raises(ValueError, match="is not owner/name:<64-hex version>"):
        ReplicateProvider(TOKEN, video_model="owner/name:latest")
    assert ":" in DEFAULT_MUSIC_MODEL
    assert ":" in DEFAULT_VIDEO_MODEL  # community models need a version pin
