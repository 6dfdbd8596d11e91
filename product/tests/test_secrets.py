"""API keys never reach errors, step outputs, progress messages or reprs."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import httpx2
import inngest
import pytest
from inngest.experimental import mocked

from pipelines import MediaGenerationError, Services, build_functions, create_sample_lecture
from pipelines.providers import OpenAIProvider
from product.tests._fakes import RecordingPublisher
from product.tests._http2 import Routes, error, images
from product.tests._recorder import Recording, recording_middleware

KEY = "sk-live-DO-NOT-LEAK-4242"
BASE = "https://openai.test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_key_never_appears_in_step_outputs(
    tmp_path: Path, mocked_loop: asyncio.AbstractEventLoop
) -> None:
    routes = Routes()
    routes.add(
        "POST",
        "/v1/chat/completions",
        error(401, f"Incorrect API key provided: {KEY}", "invalid_api_key"),
    )
    routes.add(
        "POST",
        "/v1/images/generations",
        images([base64.b64encode(PNG).decode()]),
        error(400, f"rejected by our safety system (key {KEY})", "content_policy_violation"),
    )
    http = routes.client()
    openai = OpenAIProvider(KEY, base_url=BASE, http_client=http)
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
    async with httpx2.AsyncClient(
        transport=httpx2.MockTransport(lambda request: httpx2.Response(500, text=f"dump: {KEY}"))
    ) as http:
        provider = OpenAIProvider(KEY, base_url=BASE, http_client=http)
        for call in (
            provider.complete("s", "u"),
            provider.generate_image("p", size="s"),
            provider.synthesize("t", voice="v"),
        ):
            with pytest.raises(MediaGenerationError) as info:
                await call
            assert KEY not in str(info.value)
            assert KEY not in repr(info.value)
