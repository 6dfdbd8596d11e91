"""Flow control of the four functions, on the simulator, through `sim.send` (events).

Each test runs its scenario with the option and without it (the option stripped from the
registration): the second run shows the scenario catches what the option prevents.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Simulator
from inngest_sim.trace import RunSkipped, StepAttempt
from pipelines import Services, build_functions, create_sample_lecture, kit
from pipelines.kit import _run
from pipelines.providers import LocalProvider
from product.tests._fakes import CountingProvider

IMAGES = "lecture/images.requested"
NARRATION = "lecture/narration.requested"


def _services(root: Path, **options: Any) -> tuple[Services, CountingProvider]:
    provider = CountingProvider(LocalProvider())
    fields: dict[str, Any] = {
        "prompts": provider,
        "images": provider,
        "speech": provider,
        "music": provider,
        "video": provider,
        "chunk_size": 5,
        "max_polls": 2,
        **options,
    }
    return Services.local(root, **fields), provider


@pytest.fixture(params=["with", "without"])
def option(request: pytest.FixtureRequest) -> str:
    """ "with": the functions as shipped; "without": the test's option removed."""
    return str(request.param)


def _strip(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    real = kit.function_options

    def stripped(*args: Any, **kwargs: Any) -> dict[str, Any]:
        options = real(*args, **kwargs)
        options[name] = None
        return options

    monkeypatch.setattr(_run, "function_options", stripped)


def _client() -> inngest.Inngest:
    return inngest.Inngest(app_id="lecture-media", is_production=False)


def _overlap(spans: list[tuple[float, float]]) -> int:
    # An end at t frees its slot for a start at t (ends sort first).
    edges = sorted([(end, -1) for _, end in spans] + [(start, 1) for start, _ in spans])
    peak = current = 0
    for _, delta in edges:
        current += delta
        peak = max(peak, current)
    return peak


async def test_provider_concurrency_holds_across_runs_and_functions(
    tmp_path: Path, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if option == "without":
        _strip(monkeypatch, "concurrency")
    services, _ = _services(tmp_path, provider_concurrency=4)
    for n in range(3):
        create_sample_lecture(services.store, lecture_id=f"lec-{n}", segments=5)
    client = _client()
    events = [
        {"name": name, "data": {"lecture_id": f"lec-{n}", "user_id": "demo-user"}}
        for n in range(3)
        for name in (IMAGES, NARRATION)
    ]
    async with Simulator(client, build_functions(client, services), request_latency=1.0) as sim:
        await sim.send(events)
        runs = await sim.settle()
        spans = [
            (r.start, r.t)
            for r in sim.trace.of(StepAttempt)
            if r.step.startswith(("image-", "narration-")) and r.outcome != "planned"
        ]
    assert [r.status for r in runs] == ["Completed"] * 6
    assert len(spans) == 3 * (10 + 5)
    # Six runs with chunks of 5 would put up to 30 provider calls in flight at once.
    if option == "with":
        assert _overlap(spans) == 4
    else:
        assert _overlap(spans) > 4


async def test_a_double_click_costs_once(
    tmp_path: Path, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if option == "without":
        _strip(monkeypatch, "singleton")
    services, provider = _services(tmp_path)
    create_sample_lecture(services.store, lecture_id="lec", segments=3)
    other = create_sample_lecture(services.store, lecture_id="other", segments=3)
    client = _client()
    click = {"name": IMAGES, "data": {"lecture_id": "lec", "user_id": "demo-user", "force": True}}
    async with Simulator(client, build_functions(client, services)) as sim:
        await sim.send([click, click, {**click, "data": {**click["data"], "lecture_id": other.id}}])
        runs = await sim.settle()
        skipped = sim.trace.of(RunSkipped)
    lectures = sorted(r.event["data"]["lecture_id"] for r in runs)
    if option == "with":
        assert lectures == ["lec", "other"]  # one run per lecture; another lecture is not held
        assert [getattr(r, "reason", None) for r in skipped] == ["singleton"]
        assert provider.paid() == 2 * 6
    else:
        assert lectures == ["lec", "lec", "other"]
        assert provider.paid() == 3 * 6


async def test_a_repeated_request_costs_once_even_after_the_first_finished(
    tmp_path: Path, option: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if option == "without":
        _strip(monkeypatch, "idempotency")
    services, provider = _services(tmp_path)
    create_sample_lecture(services.store, lecture_id="lec", segments=2)
    client = _client()
    data = {"lecture_id": "lec", "user_id": "demo-user", "force": True, "request_id": "click-1"}
    async with Simulator(client, build_functions(client, services)) as sim:
        await sim.send({"name": NARRATION, "data": data})
        await sim.settle()
        # The client is unsure the first send arrived and sends the same request again.
        await sim.send({"name": NARRATION, "data": data})
        await sim.settle()
        # A new click is a new request.
        await sim.send({"name": NARRATION, "data": {**data, "request_id": "click-2"}})
        runs = await sim.settle()
    if option == "with":
        assert [r.event["data"]["request_id"] for r in runs] == ["click-1", "click-2"]
        assert provider.counts["synthesize"] == 2 * 2
    else:
        assert len(runs) == 3
        assert provider.counts["synthesize"] == 3 * 2


async def test_requests_without_a_request_id_are_not_merged(tmp_path: Path) -> None:
    services, provider = _services(tmp_path)
    create_sample_lecture(services.store, lecture_id="lec", segments=1)
    client = _client()
    data = {"lecture_id": "lec", "user_id": "demo-user", "force": True}
    async with Simulator(client, build_functions(client, services)) as sim:
        for _ in range(2):
            await sim.send({"name": NARRATION, "data": data})
            await sim.settle()
        runs = sim.runs
    # Sequential requests without an id each run (the singleton only holds concurrent ones).
    assert [r.status for r in runs] == ["Completed", "Completed"]
    assert provider.counts["synthesize"] == 2


def test_the_registration_names_the_keys(tmp_path: Path) -> None:
    services, _ = _services(tmp_path, provider_concurrency=7)
    client = _client()
    configs = {
        f.local_id: f.get_config("http://app.test/api/inngest").main
        for f in build_functions(client, services)
    }
    videos = configs["generate-segment-videos"]
    assert videos.singleton is not None
    assert (videos.singleton.key, videos.singleton.mode) == ("event.data.lecture_id", "skip")
    assert videos.idempotency == kit.IDEMPOTENCY_KEY
    # Images and renders both come from the one local provider here: one key, not two.
    assert [(c.key, c.limit, c.scope) for c in videos.concurrency or []] == [
        ('"provider:local"', 7, "env")
    ]
    off = Services.local(tmp_path / "off", provider_concurrency=0)
    images = build_functions(client, off)[0].get_config("http://app.test/api/inngest").main
    assert images.concurrency is None
