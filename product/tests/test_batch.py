from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipelines.assets import LocalAssetStore
from pipelines.errors import ErrorCode, InvalidRequestError, MediaGenerationError
from pipelines.models import GeneratedMedia
from pipelines.orchestrators import batch_with_concurrency
from pipelines.orchestrators.image import ImagePrompt, generate_images_throttled
from pipelines.providers import LocalProvider


async def test_batch_keeps_order_and_bounds_concurrency() -> None:
    in_flight = 0
    peak = 0

    async def worker(item: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(3):  # yield to the loop so other workers can start
            await asyncio.sleep(0)
        in_flight -= 1
        return item * 10

    assert await batch_with_concurrency(list(range(9)), worker, concurrency=3) == [
        i * 10 for i in range(9)
    ]
    assert peak == 3


async def test_batch_cancels_the_rest_when_a_worker_raises() -> None:
    started: list[int] = []
    gate = asyncio.Event()

    async def worker(item: int) -> int:
        started.append(item)
        if item == 0:
            raise RuntimeError("boom")
        await gate.wait()
        return item

    with pytest.raises(RuntimeError, match="boom"):
        await batch_with_concurrency([0, 1, 2, 3], worker, concurrency=2)
    assert 3 not in started


async def test_batch_rejects_bad_concurrency() -> None:
    async def worker(item: int) -> int:
        return item

    with pytest.raises(InvalidRequestError, match="concurrency must be >= 1"):
        await batch_with_concurrency([1], worker, concurrency=0)


class FlakyImages(LocalProvider):
    """Local images, except prompts naming a failure mode."""

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        if "crash" in prompt:
            raise ZeroDivisionError("bug")
        if "throttle" in prompt:
            raise MediaGenerationError(
                ErrorCode.RATE_LIMITED, "slow", provider="local", retry_after=2
            )
        return await super().generate_image(prompt, size=size)


async def test_generate_images_throttled_returns_per_asset_results(tmp_path: Path) -> None:
    prompts: list[ImagePrompt] = [
        {"segment": 0, "index": 0, "prompt": "a prism"},
        {"segment": 0, "index": 1, "prompt": "a [sensitive] scene"},
        {"segment": 1, "index": 0, "prompt": "a [unavailable] scene"},
        {"segment": 1, "index": 1, "prompt": "throttle me"},
        {"segment": 2, "index": 0, "prompt": "crash"},
    ]
    results = await generate_images_throttled(
        prompts, provider=FlakyImages(), assets=LocalAssetStore(tmp_path), concurrency=2
    )
    assert [(r["segment"], r["index"]) for r in results] == [
        (p["segment"], p["index"]) for p in prompts
    ]
    outcomes = [r["result"] for r in results]
    assert outcomes[0]["ok"]
    codes = [o["error"]["code"] for o in outcomes[1:] if not o["ok"]]
    assert codes == ["SENSITIVE_CONTENT", "PROVIDER_UNAVAILABLE", "RATE_LIMITED", "UNKNOWN"]
