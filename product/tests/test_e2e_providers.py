"""The pipelines end to end on the simulator, failing where real failures start: in the
providers (HTTP answers of the official clients, the local provider's markers), not in
step bodies. Each failure goes the whole way: classification, `RetryAfterError` with the
provider's delay, the plain error on the last attempt, the exhausted step, the recorded
code.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import httpx2
import inngest
import pytest
import respx

from inngest_sim import Attempt, Backoff, RunResult, Simulator
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.models import AssetKind, Lecture, Segment
from pipelines.providers import LocalProvider, OpenAIProvider, ReplicateProvider
from product.tests._fakes import PNG, prediction
from product.tests._http2 import Routes, error, images
from product.tests.conftest import s3_asset_store

RETRIES = 2
BASE = "https://openai.test"
REPLICATE = "https://replicate.test"
CDN = "https://delivery.test/out.wav"
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt "


async def _run(services: Services, function_id: str) -> RunResult:
    client = inngest.Inngest(app_id="lecture-media", is_production=False)
    async with Simulator(
        client, build_functions(client, services), backoff=Backoff(jitter=0), fail_on_assertion=True
    ) as sim:
        return await sim.run(function_id, data={"lecture_id": "lec", "user_id": "demo-user"})


def _gap(before: Attempt, after: Attempt) -> float:
    """Virtual seconds between one attempt's end and the next one's start."""
    return (after.start - before.end).total_seconds()


def _codes(services: Services, kind: AssetKind) -> dict[tuple[int, int], str]:
    return {
        (r.segment, r.index): ("ok" if r.ok else r.result["error"]["code"])  # type: ignore[typeddict-item]
        for r in services.store.list_assets("lec", kind)
    }


def _lecture(services: Services, *briefs: str) -> None:
    services.store.create_lecture(
        Lecture(
            "lec",
            "demo-user",
            "Optics",
            tuple(Segment(i, f"Narration {i}. {b}", b) for i, b in enumerate(briefs)),
        )
    )


# ---- the local provider's markers -------------------------------------------------------


async def test_a_rate_limit_waits_the_providers_delay_then_is_recorded(tmp_path: Path) -> None:
    services = Services.local(tmp_path, retries=RETRIES, chunk_size=5, follow_up_delays=())
    _lecture(services, "A prism", "A raindrop [rate-limited]", "A rainbow [unavailable]")

    run = await _run(services, "generate-narration")

    assert run.status == "Completed", run.error
    # Retry-After (1 s, from the provider) on the first attempts; the plain error on the
    # last one, so the step fails alone instead of the whole run.
    assert [a.outcome for a in run.steps["narration-1"].attempts] == ["error", "error", "failed"]
    assert [a.outcome for a in run.steps["narration-2"].attempts] == ["error", "error", "failed"]
    assert [a.outcome for a in run.steps["narration-0"].attempts] == ["ok"]
    assert _codes(services, AssetKind.NARRATION) == {
        (0, 0): "ok",
        (1, 0): "RATE_LIMITED",
        (2, 0): "PROVIDER_UNAVAILABLE",
    }
    rate_limited = run.steps["narration-1"].attempts
    assert _gap(rate_limited[0], rate_limited[1]) == 1.0  # not the 15 s default backoff


async def test_a_moderation_refusal_is_recorded_after_one_attempt(tmp_path: Path) -> None:
    services = Services.local(tmp_path, retries=RETRIES, follow_up_delays=())
    _lecture(services, "A prism", "Something [sensitive]")

    run = await _run(services, "generate-segment-images")

    assert run.status == "Completed", run.error
    assert [a.outcome for a in run.steps["image-1-0"].attempts] == ["ok"]
    assert _codes(services, AssetKind.IMAGE) == {
        (0, 0): "ok",
        (0, 1): "ok",
        (1, 0): "SENSITIVE_CONTENT",
        (1, 1): "SENSITIVE_CONTENT",
    }


# ---- OpenAI over HTTP ---------------------------------------------------------------------


def _openai_routes() -> Routes:
    """Answers by what the prompt says: the provider's real failure modes, per segment."""
    routes = Routes()
    attempts: dict[str, int] = {}
    ok = images([base64.b64encode(PNG).decode()])

    def answer(request: httpx2.Request) -> httpx2.Response:
        prompt = json.loads(request.content)["prompt"]
        tag = next(t for t in ("fine", "busy", "refuse", "down", "slow") if t in prompt)
        attempts[tag] = attempts.get(tag, 0) + 1
        if tag == "busy" and attempts[tag] == 1:
            return error(
                429, "Rate limit reached", "rate_limit_exceeded", **{"retry-after-ms": "2500"}
            )
        if tag == "refuse":
            return error(
                400, "Your request was rejected by our safety system", "moderation_blocked"
            )
        if tag == "down":
            return error(500, "The server had an error")
        if tag == "slow":
            raise httpx2.ReadTimeout("read timed out")
        return ok

    routes.add("POST", "/v1/images/generations", answer)
    return routes


@pytest.fixture
async def openai_services(tmp_path: Path) -> AsyncIterator[tuple[Services, Routes]]:
    routes = _openai_routes()
    async with routes.client() as http:
        provider = OpenAIProvider("sk-test", base_url=BASE, http_client=http)
        services = Services.local(
            tmp_path,
            images=provider,
            images_per_segment=1,
            retries=RETRIES,
            chunk_size=5,
            follow_up_delays=(),
        )
        yield services, routes


async def test_openai_failures_through_the_real_client(
    openai_services: tuple[Services, Routes],
) -> None:
    services, routes = openai_services
    _lecture(services, "fine", "busy", "refuse", "down", "slow")

    run = await _run(services, "generate-segment-images")

    assert run.status == "Completed", run.error
    assert _codes(services, AssetKind.IMAGE) == {
        (0, 0): "ok",
        (1, 0): "ok",  # after waiting the 2.5 s that retry-after-ms asked for
        (2, 0): "SENSITIVE_CONTENT",
        (3, 0): "PROVIDER_UNAVAILABLE",
        (4, 0): "TIMEOUT",
    }
    busy = run.steps["image-1-0"].attempts
    assert [a.outcome for a in busy] == ["error", "ok"]
    assert _gap(busy[0], busy[1]) == 2.5
    assert [a.outcome for a in run.steps["image-2-0"].attempts] == ["ok"]
    assert [a.outcome for a in run.steps["image-3-0"].attempts] == ["error", "error", "failed"]
    # One HTTP request per attempt: the client's own retries are off.
    assert routes.count("POST", "/v1/images/generations") == 1 + 2 + 1 + 3 + 3


# ---- Replicate over HTTP --------------------------------------------------------------------


@pytest.fixture
async def replicate_services(tmp_path: Path) -> AsyncIterator[Services]:
    provider = ReplicateProvider("r8-test", base_url=REPLICATE)
    yield Services.local(
        tmp_path, music=provider, retries=RETRIES, max_polls=3, follow_up_delays=()
    )
    await provider.aclose()


@respx.mock
async def test_a_transient_poll_error_never_buys_a_secondprediction(
    replicate_services: Services,
) -> None:
    services = replicate_services
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    create = respx.post(f"{REPLICATE}/v1/predictions").respond(201, json=prediction("starting"))
    poll = respx.get(f"{REPLICATE}/v1/predictions/abc123").mock(
        side_effect=[
            httpx.Response(503, json={"detail": "Service Unavailable"}),
            httpx.Response(
                429, json={"detail": "Request was throttled. Expected available in 4 seconds."}
            ),
            httpx.Response(200, json=prediction("processing")),
            httpx.Response(200, json=prediction("succeeded", output=CDN)),
        ]
    )
    respx.get(CDN).respond(content=WAV, headers={"content-type": "audio/wav"})

    run = await _run(services, "generate-music")

    assert run.status == "Completed", run.error
    assert _codes(services, AssetKind.MUSIC) == {(0, 0): "ok"}
    assert create.call_count == 1  # the retried poll did not start a second render
    assert poll.call_count == 4
    first = run.steps["music-poll-0"].attempts
    assert [a.outcome for a in first] == ["error", "error", "ok"]
    # The 429's body asked for 4 s: the retry waited that long.
    assert _gap(first[0], first[1]) == 15.0  # a 503 carries no delay: Inngest's backoff
    assert _gap(first[1], first[2]) == 4.0
    assert [a.outcome for a in run.steps["music-start"].attempts] == ["ok"]


@respx.mock
async def test_a_render_that_keeps_failing_to_poll_is_recorded_not_restarted(
    replicate_services: Services,
) -> None:
    services = replicate_services
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    create = respx.post(f"{REPLICATE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{REPLICATE}/v1/predictions/abc123").respond(502, json={"detail": "Bad Gateway"})

    run = await _run(services, "generate-music")

    assert run.status == "Completed", run.error
    assert _codes(services, AssetKind.MUSIC) == {(0, 0): "PROVIDER_UNAVAILABLE"}
    assert create.call_count == 1


def test_local_provider_is_still_the_default(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    assert all(
        isinstance(p, LocalProvider)
        for p in (services.prompts, services.images, services.speech, services.music)
    )


@respx.mock
async def test_replicate_renders_from_a_presigned_url_of_the_object_store(tmp_path: Path) -> None:
    assets = s3_asset_store()
    respx.route(host="127.0.0.1").pass_through()  # the S3 server itself, for the fetch below
    create = respx.post(f"{REPLICATE}/v1/predictions").respond(201, json=prediction("starting"))
    respx.get(f"{REPLICATE}/v1/predictions/abc123").respond(
        json=prediction("succeeded", output=CDN)
    )
    respx.get(CDN).respond(content=b"GIF89a-frames", headers={"content-type": "image/gif"})
    provider = ReplicateProvider("r8-test", base_url=REPLICATE)
    services = Services.local(tmp_path, assets=assets, video=provider, max_polls=2)
    _lecture(services, "A prism")
    try:
        run = await _run(services, "generate-segment-videos")
    finally:
        await provider.aclose()

    assert run.status == "Completed", run.error
    assert _codes(services, AssetKind.VIDEO) == {(0, 0): "ok"}
    (start_image,) = services.store.list_assets("lec", AssetKind.START_IMAGE)
    sent = json.loads(create.calls.last.request.content)["input"]["input_image"]
    assert sent.startswith("http://127.0.0.1:")  # a signed URL, not bytes or a data: URI
    assert "X-Amz-Signature=" in sent
    async with httpx.AsyncClient() as http:
        fetched = await http.get(sent)  # what Replicate does with it
    assert fetched.status_code == 200
    assert fetched.content == assets.read(start_image.result["asset"])  # type: ignore[typeddict-item]
    video = services.store.list_assets("lec", AssetKind.VIDEO)[0].result
    assert video["asset"]["uri"].startswith("s3://")  # type: ignore[typeddict-item]
