from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.providers import OpenAIProvider

KEY = "sk-test-SECRET-0123456789"
BASE = "https://openai.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def provider(client: httpx.AsyncClient) -> OpenAIProvider:
    return OpenAIProvider(client, KEY, base_url=BASE + "/v1")


@respx.mock
async def test_image_success(provider: OpenAIProvider) -> None:
    route = respx.post(f"{BASE}/v1/images/generations").respond(
        json={"data": [{"b64_json": base64.b64encode(PNG).decode()}]}
    )
    media = await provider.generate_image("a prism", size="1024x1024")
    assert media.data == PNG
    assert media.mime_type == "image/png"
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert b'"response_format":"b64_json"' in request.content.replace(b" ", b"")


@respx.mock
async def test_chat_and_speech_success(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/chat/completions").respond(
        json={"choices": [{"message": {"content": "  A glowing prism.  "}}]}
    )
    respx.post(f"{BASE}/v1/audio/speech").respond(
        content=b"RIFF....WAVEfmt ", headers={"content-type": "audio/wav"}
    )
    assert await provider.complete("system", "brief") == "A glowing prism."
    speech = await provider.synthesize("Hello", voice="alloy")
    assert (speech.data, speech.mime_type) == (b"RIFF....WAVEfmt ", "audio/wav")


async def expect_error(call: object, code: ErrorCode) -> MediaGenerationError:
    with pytest.raises(MediaGenerationError) as info:
        await call  # type: ignore[misc]
    assert info.value.code is code
    assert info.value.provider == "openai"
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value.to_error())
    return info.value


@respx.mock
async def test_429_with_retry_after(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(
        429,
        headers={"retry-after": "7"},
        json={"error": {"code": "rate_limit_exceeded", "message": "Rate limit reached"}},
    )
    err = await expect_error(provider.generate_image("p", size="1024x1024"), ErrorCode.RATE_LIMITED)
    assert err.retryable
    assert err.retry_after == 7.0
    assert "HTTP 429" in err.message


@respx.mock
async def test_429_insufficient_quota_needs_the_user(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(
        429, json={"error": {"code": "insufficient_quota", "message": "You exceeded your quota"}}
    )
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.QUOTA_EXCEEDED)
    assert not err.retryable
    assert err.user_action_required


@respx.mock
@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, ErrorCode.PROVIDER_UNAVAILABLE),
        (503, ErrorCode.PROVIDER_UNAVAILABLE),
        (504, ErrorCode.TIMEOUT),
    ],
)
async def test_5xx(provider: OpenAIProvider, status: int, code: ErrorCode) -> None:
    respx.post(f"{BASE}/v1/audio/speech").respond(status, text="upstream trouble")
    err = await expect_error(provider.synthesize("t", voice="alloy"), code)
    assert err.retryable
    assert err.retry_after is None


@respx.mock
async def test_timeout(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").mock(side_effect=httpx.ReadTimeout("slow"))
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.TIMEOUT)
    assert err.retryable


@respx.mock
async def test_connection_error(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    err = await expect_error(provider.complete("s", "u"), ErrorCode.PROVIDER_UNAVAILABLE)
    assert "ConnectError" in err.message


@respx.mock
async def test_content_policy_refusal(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(
        400,
        json={
            "error": {
                "code": "content_policy_violation",
                "message": "Your request was rejected as a result of our safety system.",
                "type": "invalid_request_error",
            }
        },
    )
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.SENSITIVE_CONTENT)
    assert not err.retryable
    assert err.user_action_required


@respx.mock
async def test_other_400_is_invalid_input(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(
        400, json={"error": {"code": "invalid_size", "message": "size must be 1024x1024"}}
    )
    err = await expect_error(provider.generate_image("p", size="1x1"), ErrorCode.INVALID_INPUT)
    assert "size must be 1024x1024" in err.message


@respx.mock
async def test_401_never_leaks_the_key(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(
        401,
        json={
            "error": {"code": "invalid_api_key", "message": f"Incorrect API key provided: {KEY}"}
        },
    )
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.AUTH_FAILED)
    assert err.user_action_required
    assert "Incorrect API key provided: ***" in err.message
    assert err.__cause__ is None
    assert KEY not in repr(provider)


@respx.mock
@pytest.mark.parametrize(
    "body",
    [
        {"content": b"not json at all"},
        {"json": ["a", "list"]},
        {"json": {"data": []}},
        {"json": {"data": [{"b64_json": "%%%not-base64%%%"}]}},
        {"json": {"data": [{"b64_json": base64.b64encode(b"plain text").decode()}]}},
    ],
)
async def test_malformed_image_body(provider: OpenAIProvider, body: dict[str, object]) -> None:
    respx.post(f"{BASE}/v1/images/generations").respond(200, **body)  # type: ignore[arg-type]
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.UNKNOWN)
    assert err.retryable
    assert "malformed response" in err.message


@respx.mock
async def test_malformed_chat_and_speech(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/chat/completions").respond(json={"choices": []})
    respx.post(f"{BASE}/v1/audio/speech").respond(200, content=b"")
    await expect_error(provider.complete("s", "u"), ErrorCode.UNKNOWN)
    await expect_error(provider.synthesize("t", voice="v"), ErrorCode.UNKNOWN)


@respx.mock
async def test_malformed_body_echoing_the_key_is_scrubbed(provider: OpenAIProvider) -> None:
    respx.post(f"{BASE}/v1/chat/completions").respond(200, text=f"oops {KEY} oops")
    err = await expect_error(provider.complete("s", "u"), ErrorCode.UNKNOWN)
    assert "***" in err.message


def test_construction_errors(client: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="is empty"):
        OpenAIProvider(client, "   ")
    with pytest.raises(ValueError, match="speech_format 'ogg' is not supported"):
        OpenAIProvider(client, KEY, speech_format="ogg")
