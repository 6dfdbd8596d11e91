"""OpenAIProvider on the official ``openai`` client, against routed HTTP answers."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import httpx2
import pytest

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.providers import OpenAIProvider
from product.tests._http2 import Routes, chat, error, images

KEY = "sk-test-SECRET-0123456789"
BASE = "https://openai.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
IMAGES = "/v1/images/generations"
CHAT = "/v1/chat/completions"
SPEECH = "/v1/audio/speech"


@pytest.fixture
def routes() -> Routes:
    return Routes()


@pytest.fixture
async def provider(routes: Routes) -> AsyncIterator[OpenAIProvider]:
    async with routes.client() as http:
        yield OpenAIProvider(KEY, base_url=BASE + "/v1", http_client=http)


async def test_image_success(provider: OpenAIProvider, routes: Routes) -> None:
    routes.add("POST", IMAGES, images([base64.b64encode(PNG).decode()]))
    media = await provider.generate_image("a prism", size="1024x1024")
    assert (media.data, media.mime_type, media.model) == (PNG, "image/png", "dall-e-3")
    (request,) = routes.calls
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert b'"response_format":"b64_json"' in request.content.replace(b" ", b"")


async def test_chat_and_speech_success(provider: OpenAIProvider, routes: Routes) -> None:
    routes.add("POST", CHAT, chat("  A glowing prism.  "))
    routes.add(
        "POST",
        SPEECH,
        httpx2.Response(200, content=b"RIFF....WAVEfmt ", headers={"content-type": "audio/wav"}),
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
    assert info.value.__cause__ is None  # raised from None: no chained request details
    return info.value


@pytest.mark.parametrize(
    ("headers", "delay"),
    [
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),  # ms wins: more precise
        ({"retry-after": "7"}, 7.0),
        (
            {
                "x-ratelimit-remaining-requests": "0",
                "x-ratelimit-reset-requests": "6m0s",
                "x-ratelimit-remaining-tokens": "900",
                "x-ratelimit-reset-tokens": "59.5ms",
            },
            360.0,  # the limit that ran out
        ),
        ({"x-ratelimit-reset-tokens": "1.5s", "x-ratelimit-reset-requests": "250ms"}, 1.5),
        ({}, None),
    ],
)
async def test_429_reads_the_delay_and_makes_one_request(
    provider: OpenAIProvider, routes: Routes, headers: dict[str, str], delay: float | None
) -> None:
    routes.add("POST", IMAGES, error(429, "Rate limit reached", "rate_limit_exceeded", **headers))
    err = await expect_error(provider.generate_image("p", size="1024x1024"), ErrorCode.RATE_LIMITED)
    assert err.retryable
    assert err.retry_after == delay
    assert "HTTP 429" in err.message
    # max_retries=0: the SDK does not retry; Inngest retries the step.
    assert routes.count("POST", IMAGES) == 1


async def test_429_insufficient_quota_needs_the_user(
    provider: OpenAIProvider, routes: Routes
) -> None:
    routes.add("POST", IMAGES, error(429, "You exceeded your quota", "insufficient_quota"))
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.QUOTA_EXCEEDED)
    assert not err.retryable
    assert err.user_action_required


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, ErrorCode.PROVIDER_UNAVAILABLE),
        (503, ErrorCode.PROVIDER_UNAVAILABLE),
        (504, ErrorCode.TIMEOUT),
        (401, ErrorCode.AUTH_FAILED),
        (400, ErrorCode.INVALID_INPUT),
    ],
)
async def test_status_codes(
    provider: OpenAIProvider, routes: Routes, status: int, code: ErrorCode
) -> None:
    routes.add("POST", IMAGES, error(status, f"failure {status}"))
    await expect_error(provider.generate_image("p", size="s"), code)
    assert routes.count("POST", IMAGES) == 1


@pytest.mark.parametrize("hint", ["content_policy_violation", "moderation_blocked"])
async def test_moderation_refusals_are_sensitive_content(
    provider: OpenAIProvider, routes: Routes, hint: str
) -> None:
    routes.add("POST", IMAGES, error(400, "Your request was rejected by our safety system", hint))
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.SENSITIVE_CONTENT)
    assert not err.retryable
    assert err.user_action_required


async def test_timeout_and_connection_errors(provider: OpenAIProvider, routes: Routes) -> None:
    routes.add("POST", IMAGES, httpx2.ReadTimeout("slow"))
    await expect_error(provider.generate_image("p", size="s"), ErrorCode.TIMEOUT)
    routes.add("POST", CHAT, httpx2.ConnectError(f"refused (key {KEY})"))
    await expect_error(provider.complete("s", "u"), ErrorCode.PROVIDER_UNAVAILABLE)


async def test_401_never_leaks_the_key(provider: OpenAIProvider, routes: Routes) -> None:
    routes.add("POST", CHAT, error(401, f"Incorrect API key provided: {KEY}", "invalid_api_key"))
    err = await expect_error(provider.complete("s", "u"), ErrorCode.AUTH_FAILED)
    assert "***" in err.message


@pytest.mark.parametrize(
    "body",
    [
        {"created": 1, "data": []},
        {"created": 1, "data": [{"b64_json": "not base64!!"}]},
        {"created": 1, "data": [{"b64_json": base64.b64encode(b"not an image").decode()}]},
        {"created": 1, "data": [{"url": "https://x"}]},
    ],
)
async def test_malformed_image_body(
    provider: OpenAIProvider, routes: Routes, body: dict[str, object]
) -> None:
    routes.add("POST", IMAGES, httpx2.Response(200, json=body))
    err = await expect_error(provider.generate_image("p", size="s"), ErrorCode.UNKNOWN)
    assert err.retryable
    assert "malformed response" in err.message


async def test_malformed_chat_and_speech(provider: OpenAIProvider, routes: Routes) -> None:
    routes.add("POST", CHAT, chat("   "))
    await expect_error(provider.complete("s", "u"), ErrorCode.UNKNOWN)
    routes.add("POST", SPEECH, httpx2.Response(200, content=b""))
    await expect_error(provider.synthesize("t", voice="v"), ErrorCode.UNKNOWN)
    routes.add("POST", SPEECH, httpx2.Response(200, json={"oops": 1}))
    await expect_error(provider.synthesize("t", voice="v"), ErrorCode.UNKNOWN)


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="is empty"):
        OpenAIProvider("  ")
    with pytest.raises(ValueError, match="speech_format 'ogg' is not supported"):
        OpenAIProvider(KEY, speech_format="ogg")  # type: ignore[arg-type]
    assert KEY not in repr(OpenAIProvider(KEY))
