"""API keys never reach errors, step outputs, progress messages or reprs."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import httpx
import inngest
import pytest
import respx
from inngest.experimental import mocked

from pipelines import MediaGenerationError, Services, build_functions, create_sample_lecture
from pipelines.providers import OpenAIProvider
from product.tests._fakes import RecordingPublisher
from product.tests._recorder import Recording, recording_middleware

KEY = "sk-live-DO-NOT-LEAK-4242"
BASE = "https://openai.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@respx.mock
def test_key_never_appears_in_step_outputs(
    tmp_path: Path, mocked_loop: asyncio.AbstractEventLoop
) -> None:
    echo = {"error": {"code": "invalid_api_key", "message": f"Incorrect API key provided: {KEY}"}}
    respx.post(f"{BASE}/v1/chat/completions").respond(401, json=echo)
    respx.post(f"{BASE}/v1/images/generations").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"b64_json": base64.b64encode(PNG).decode()}]}),
            httpx.Response(
                400,
                json={
                    "error": {
                        "code": "content_policy_violation",
                        "message": f"rejected by our safety system (key {KEY})",
                    }
                },
            ),
        ]
    )
    http = httpx.AsyncClient()
    openai = OpenAIProvider(http, KEY, base_url=BASE)
    publisher = RecordingPublisher()
    services = Services.local(
        tmp_path, publish=publisher, prompts=openai, images=openai, images_per_segment=2
    )
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    recording = Recording()
    client = mocked.Inngest(
        app_id="test", is_production=False, middleware=[recording_middleware(recording)]
    )
    fn = build_functions(client, services)[0]
    event = inngest.Event(
        name="lecture/images.requested", data={"lecture_id": "lec", "user_id": "demo-user"}
    )
    try:
        result = mocked.trigger(fn, event, client)
    finally:
        mocked_loop.run_until_complete(http.aclose())
    assert result.status is mocked.Status.COMPLETED, result.error
    assert result.output["failures"][0]["code"] == "SENSITIVE_CONTENT"
    everything = json.dumps([recording.outputs, result.output, publisher.messages], default=str)
    assert KEY not in everything
    assert "***" in everything  # the refusal message survived, scrubbed
    assert KEY not in repr(services)


async def test_key_never_appears_in_raised_errors() -> None:
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(500, text=f"dump: {KEY}"))
    ) as http:
        provider = OpenAIProvider(http, KEY, base_url=BASE)
        for call in (
            provider.complete("s", "u"),
            provider.generate_image("p", size="s"),
            provider.synthesize("t", voice="v"),
        ):
            with pytest.raises(MediaGenerationError) as info:
                await call
            assert KEY not in str(info.value)
            assert KEY not in repr(info.value)
