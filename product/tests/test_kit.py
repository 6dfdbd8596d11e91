"""The pipeline kit on the simulator (virtual time): a fifth pipeline, paid work kept
through database and asset-store failures, follow-up rounds, and long lectures split
across runs."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import inngest
import pytest
import sqlalchemy as sa

from inngest_sim import Backoff, RunResult, Simulator
from pipelines import PIPELINES, Services, build_functions, create_sample_lecture
from pipelines.app import create_app
from pipelines.errors import AssetStoreError, ErrorCode, InvalidRequestError, MediaGenerationError
from pipelines.kit import Phase, Pipeline, plan_request
from pipelines.models import AssetKind, Lecture, Segment
from pipelines.providers import LocalProvider
from pipelines.store import update_lecture_content
from product.tests._fakes import CountingProvider
from product.tests._subtitles import SUBTITLES, LocalSubtitles

DATA = {"lecture_id": "sample-lecture", "user_id": "demo-user"}


def _client() -> inngest.Inngest:
    return inngest.Inngest(app_id="lecture-media", is_production=False)


async def _run(
    services: Services,
    function_id: str,
    *,
    pipelines: tuple[Pipeline, ...] = PIPELINES,
    before: Any = None,
) -> tuple[RunResult, Simulator]:
    client = _client()
    async with Simulator(
        client, build_functions(client, services, pipelines), backoff=Backoff(jitter=0)
    ) as sim:
        if before is not None:
            before(sim)
        run = await sim.run(function_id, data=DATA)
        await sim.settle()
        return run, sim


def _keys(sim: Simulator) -> Counter[str]:
    return Counter(
        item["key"]
        for message in sim.published
        if message["data"]["status"] == "running" and not message["data"].get("retry")
        for item in message["data"]["results"]
        if not item.get("retry")
    )


# --- a fifth pipeline ------------------------------------------------------------------


async def test_a_fifth_pipeline_needs_no_patching(tmp_path: Path) -> None:
    services = Services.local(tmp_path, providers={"subtitles": LocalSubtitles()}, chunk_size=3)
    create_sample_lecture(services.store, segments=7, sensitive_segments=[2])

    run, sim = await _run(services, "generate-subtitles", pipelines=(*PIPELINES, SUBTITLES))

    assert run.status == "Completed", run.error
    assert (run.output["generated"], run.output["failed"]) == (6, 1)
    assert run.output["failures"][0]["code"] == "SENSITIVE_CONTENT"
    rows = services.store.list_assets("sample-lecture", "subtitle")
    assert [(r.segment, r.ok) for r in rows] == [(s, s != 2) for s in range(7)]
    assert {f"persist-subtitles-{c}" for c in range(3)} <= set(run.steps)
    assert {m["topic"] for m in sim.published} == {"subtitles"}
    assert set(_keys(sim).values()) == {1}  # every asset reported once
    vtt = services.assets.read(rows[0].result["asset"])  # type: ignore[typeddict-item]
    assert vtt.startswith(b"WEBVTT")

    again, _ = await _run(services, "generate-subtitles", pipelines=(*PIPELINES, SUBTITLES))
    assert again.output["skipped"] is False  # the refused segment is tried again, alone
    assert [k for k in again.steps if k.startswith("subtitles-")] == ["subtitles-2"]


async def test_the_app_serves_added_pipelines_and_the_token_covers_their_topics(
    tmp_path: Path,
) -> None:
    services = Services.local(tmp_path, providers={"subtitles": LocalSubtitles()})
    create_sample_lecture(services.store, segments=1)
    asked: list[list[str]] = []

    async def issue(_client: inngest.Inngest, _channel: str, topics: list[str]) -> dict[str, Any]:
        asked.append(topics)
        return {"token": "t"}

    async def anyone(_request: Any) -> str:
        return "demo-user"

    app = create_app(
        _client(),
        services,
        functions=(*PIPELINES, SUBTITLES),
        issue_token=issue,
        authenticate=anyone,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app.test") as http:
        served = (await http.get("/api/inngest")).json()
        token = await http.post("/api/lectures/sample-lecture/realtime-token")
    assert served["function_count"] == 10
    assert token.status_code == 200
    assert asked == [["images", "narration", "music", "videos", "subtitles"]]


def test_asset_kinds_are_open_but_checked(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    create_sample_lecture(services.store, segments=1)
    with pytest.raises(InvalidRequestError, match=r"unknown asset kind 'subtitel'.*register"):
        update_lecture_content(services.store, "sample-lecture", "subtitel", [])
    with pytest.raises(InvalidRequestError, match="is not a name"):
        Phase(name="x", kind="Bad Kind", provider=lambda s: s.images, make=_never)


async def _never(_job: Any) -> Any:
    raise AssertionError("not called")


def test_a_provider_missing_from_services_is_named(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    with pytest.raises(Exception, match=r"no provider named 'subtitles'.*registered: none"):
        services.provider("subtitles")


# --- paid work is never lost -----------------------------------------------------------


class FlakyStore:
    """The lecture store, with merges that fail while `fail(results)` says so."""

    def __init__(self, inner: Any, fail: Any) -> None:
        self.inner, self.fail, self.refused = inner, fail, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def merge_assets(self, lecture_id: str, kind: str, results: Any, **kw: Any) -> Any:
        if self.fail(results):
            self.refused += 1
            raise sa.exc.OperationalError("INSERT", {}, Exception("connection refused"))
        return self.inner.merge_assets(lecture_id, kind, results, **kw)


async def test_a_persist_that_fails_for_good_is_recorded_later_without_paying_again(
    tmp_path: Path,
) -> None:
    speech = CountingProvider(LocalProvider())
    base = Services.local(tmp_path, speech=speech, chunk_size=2, retries=1)
    calls = iter(range(1_000))
    # The first chunk's persist fails on both attempts; the database is back afterwards.
    store = FlakyStore(base.store, lambda _results: next(calls) < 2)
    services = _with(base, store=store)
    create_sample_lecture(base.store, segments=4)

    run, _ = await _run(services, "generate-narration")

    assert run.status == "Completed", run.error
    assert [a.outcome for a in run.steps["persist-narration-0"].attempts] == ["error", "failed"]
    assert run.steps["persist-narration-unrecorded"].attempts[-1].outcome == "ok"
    assert len([r for r in base.store.list_assets("sample-lecture", "narration") if r.ok]) == 4
    assert speech.paid() == 4


async def test_a_database_down_for_good_fails_the_run_by_name_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    speech = CountingProvider(LocalProvider())
    base = Services.local(
        tmp_path, speech=speech, chunk_size=2, retries=1, follow_up_delays=(_minutes(1),)
    )
    # Every merge holding segment 2 fails, through every attempt and every round.
    store = FlakyStore(base.store, lambda results: any(r["segment"] == 2 for r in results))
    create_sample_lecture(base.store, segments=6)

    run, _ = await _run(_with(base, store=store), "generate-narration")

    assert run.status == "Failed"
    assert run.error is not None
    assert "DATABASE_UNAVAILABLE" in run.error["message"]
    stored = {r.segment for r in base.store.list_assets("sample-lecture", "narration") if r.ok}
    assert stored == {0, 1, 4, 5}  # the chunks before and after were recorded as made
    assert speech.paid() == 6

    rerun, _ = await _run(base, "generate-narration")

    assert rerun.status == "Completed", rerun.error
    assert speech.paid() == 6 + 2  # only the two unrecorded segments are bought again


class RefusingAssets:
    """An asset store that refuses the first `refusals` writes."""

    def __init__(self, inner: Any, refusals: int) -> None:
        self.inner, self.left = inner, refusals

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put(self, data: bytes, mime_type: str) -> Any:
        if self.left > 0:
            self.left -= 1
            raise AssetStoreError("upload of s3://media/x failed: access denied")
        return self.inner.put(data, mime_type)


async def test_an_asset_store_failure_is_named_and_followed_up(tmp_path: Path) -> None:
    base = Services.local(tmp_path, retries=0, follow_up_delays=())
    create_sample_lecture(base.store, segments=2)
    refusing = _with(base, assets=RefusingAssets(base.assets, refusals=1))

    run, _ = await _run(refusing, "generate-narration")

    assert run.status == "Completed", run.error
    (failure,) = run.output["failures"]
    assert failure["code"] == "ASSET_STORE_UNAVAILABLE"
    assert failure["provider"] == "asset-store"  # not blamed on the media provider

    # With a follow-up round, the asset refused by the store is made in the next round.
    followed = _with(
        base,
        assets=RefusingAssets(base.assets, refusals=1),
        follow_up_delays=(_minutes(1),),
    )
    run, _ = await _run(followed, "generate-narration")
    assert run.status == "Completed", run.error
    assert (run.output["generated"], run.output["failed"]) == (1, 0)  # the missing one only
    assert "follow-up-narration-r1" in run.steps


# --- the outage policy ------------------------------------------------------------------


class Outage:
    """A speech provider that answers 503 until `minutes` of virtual time have passed."""

    def __init__(self, minutes: float) -> None:
        self.inner = CountingProvider(LocalProvider())
        self.name = "local"
        self.minutes = minutes
        self.until: float | None = None
        self.clock: Any = None

    def redact(self, text: str) -> str:
        return text

    async def synthesize(self, text: str, *, voice: str) -> Any:
        now = self.clock.now()
        if self.until is None:
            self.until = now + self.minutes * 60
        if now < self.until:
            raise MediaGenerationError(ErrorCode.PROVIDER_UNAVAILABLE, "HTTP 503", provider="local")
        return await self.inner.synthesize(text, voice=voice)


@pytest.mark.parametrize("rounds", ["default", "none"])
async def test_a_ten_minute_provider_outage_ends_with_every_asset_made(
    tmp_path: Path, rounds: str
) -> None:
    outage = Outage(minutes=10)
    options: dict[str, Any] = {} if rounds == "default" else {"follow_up_delays": ()}
    services = Services.local(tmp_path, speech=outage, **options)
    create_sample_lecture(services.store, segments=12)

    def bind(sim: Simulator) -> None:
        outage.clock = sim.clock

    run, sim = await _run(services, "generate-narration", before=bind)

    assert run.status == "Completed", run.error
    if rounds == "none":  # the step's retries alone do not outlast the outage: the first two
        # chunks (5 + 5) run out of retries inside it; only the last chunk starts late enough
        assert run.output["failed"] == 10
        assert {f["code"] for f in run.output["failures"]} == {"PROVIDER_UNAVAILABLE"}
        return
    assert (run.output["generated"], run.output["failed"]) == (12, 0)
    assert run.virtual_duration > datetime.timedelta(minutes=10)
    # Exactly the assets whose retries ran out were followed up, after the documented sleep
    # (the last chunk started late enough to outlast the outage on its own retries).
    assert "follow-up-narration-r1" in run.steps
    failed = {
        k
        for k in run.steps
        if k.startswith("narration-") and "-r" not in k
        if run.steps[k].attempts[-1].outcome == "failed"
    }
    followed = {
        k.removesuffix("-r1") for k in run.steps if k.startswith("narration-") and k.endswith("-r1")
    }
    assert len(failed) >= 5
    assert followed == failed
    assert outage.inner.paid() == 12
    messages = [m["data"] for m in sim.published if m["data"]["status"] == "running"]
    retried = [i for m in messages for i in m["results"] if i.get("retry")]
    assert {i["error"]["code"] for i in retried} == {"PROVIDER_UNAVAILABLE"}
    final = {i["key"]: i["ok"] for m in messages for i in m["results"]}
    assert all(final.values())
    assert len(final) == 12


# --- lectures of any length --------------------------------------------------------------


async def test_a_200_segment_video_lecture_completes_across_runs(tmp_path: Path) -> None:
    provider = CountingProvider(LocalProvider())
    services = Services.local(tmp_path, images=provider, video=provider)
    create_sample_lecture(services.store, segments=200)

    run, sim = await _run(services, "generate-segment-videos")

    assert run.status == "Completed", run.error
    assert (run.output["generated"], run.output["failed"]) == (200, 0)
    children = [r for r in sim.runs if r.function_id.endswith("generate-segment-videos-slice")]
    assert len(children) > 1
    assert all(r.status == "Completed" for r in children)
    assert all(r.step_count < 1_000 for r in [run, *children])
    # Once per asset: paid, recorded, reported.
    assert provider.counts["generate_image"] == provider.counts["start_video"] == 200
    assert len(services.store.list_assets("sample-lecture", AssetKind.VIDEO)) == 200
    reported = _keys(sim)
    assert len(reported) == 400
    assert set(reported.values()) == {1}
    parents = {m["data"].get("parent_run_id") for m in sim.published if m["data"]["seq"] < 1000}
    assert parents == {run.run_id}


def test_a_lecture_too_large_even_for_splitting_is_refused_up_front(tmp_path: Path) -> None:
    heavy = Pipeline(
        function_id="heavy",
        trigger="lecture/heavy.requested",
        topic="heavy",
        phases=(
            Phase(
                name="heavy",
                kind=AssetKind.IMAGE,
                provider=lambda s: s.images,
                make=_never,
                steps_per_asset=lambda _s: 600,
            ),
        ),
    )
    services = Services.local(tmp_path)
    segments = tuple(Segment(i, "Text.", "Brief.") for i in range(400))
    services.store.create_lecture(Lecture("sample-lecture", "demo-user", "T", segments))
    with pytest.raises(inngest.NonRetriableError, match="LECTURE_TOO_LARGE: heavy cannot make 400"):
        plan_request(services, DATA, heavy)


def _minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


def _with(services: Services, **changes: Any) -> Services:
    import dataclasses

    return dataclasses.replace(services, **changes)


async def test_a_slice_event_sent_by_hand_is_refused_by_name(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    client = _client()
    async with Simulator(client, build_functions(client, services)) as sim:
        run = await sim.run("generate-narration-slice", data={"lecture_id": "sample-lecture"})
    assert run.status == "Failed"
    assert run.error is not None
    assert "runs one slice of a long lecture for its parent run" in run.error["message"]
    assert "send 'lecture/narration.requested' instead" in run.error["message"]


def test_services_given_a_store_leave_no_stray_database(tmp_path: Path) -> None:
    from pipelines.store import SqliteLectureStore

    elsewhere = SqliteLectureStore(tmp_path / "elsewhere.sqlite3")
    services = Services.local(tmp_path / "data", store=elsewhere)
    assert services.store is elsewhere
    assert not (tmp_path / "data" / "lectures.sqlite3").exists()
    elsewhere.close()


class ImageOutage(Outage):
    """An image provider that answers 503 until `minutes` of virtual time have passed."""

    async def generate_image(self, prompt: str, *, size: str) -> Any:
        now = self.clock.now()
        if self.until is None:
            self.until = now + self.minutes * 60
        if now < self.until:
            raise MediaGenerationError(ErrorCode.PROVIDER_UNAVAILABLE, "HTTP 503", provider="local")
        return await self.inner.generate_image(prompt, size=size)


async def test_a_split_lecture_follows_up_through_its_child_runs(tmp_path: Path) -> None:
    outage = ImageOutage(minutes=10)
    services = Services.local(tmp_path, images=outage)
    create_sample_lecture(services.store, segments=20)  # videos: past one run, so split

    def bind(sim: Simulator) -> None:
        outage.clock = sim.clock

    run, sim = await _run(services, "generate-segment-videos", before=bind)

    assert run.status == "Completed", run.error
    assert (run.output["generated"], run.output["failed"]) == (20, 0)
    invokes = [k for k in run.steps if k.startswith("slice-videos-")]
    assert "slice-videos-0" in invokes
    assert any(k.endswith("-r1") for k in invokes)  # the follow-up round went to children
    children = [r for r in sim.runs if r.function_id.endswith("-slice")]
    assert len(children) == len(invokes)
    assert all(r.status == "Completed" and r.step_count < 1_000 for r in children)
    assert outage.inner.counts["generate_image"] == 20  # each starting image bought once
    rows = services.store.list_assets("sample-lecture", AssetKind.VIDEO)
    assert len(rows) == 20
    assert all(r.ok for r in rows)


async def test_a_child_run_that_fails_is_followed_up_without_rebuying_what_it_stored(
    tmp_path: Path,
) -> None:
    from inngest_sim import parse_fault_rules

    provider = CountingProvider(LocalProvider())
    # Chunks of one: 14 video segments pass one run with its rounds, so one child makes them.
    services = Services.local(tmp_path, images=provider, video=provider, chunk_size=1)
    create_sample_lecture(services.store, segments=14)
    # The child fails for good at its fourth video chunk (after three were recorded).
    faults = parse_fault_rules(["non_retriable:progress-videos-3"])
    client = _client()
    async with Simulator(
        client, build_functions(client, services), faults=faults, backoff=Backoff(jitter=0)
    ) as sim:
        run = await sim.run("generate-segment-videos", data=DATA)

    assert run.status == "Completed", run.error
    assert (run.output["generated"], run.output["failed"]) == (14, 0)
    children = [r for r in sim.runs if r.function_id.endswith("-slice")]
    assert [r.status for r in children] == ["Failed", "Completed"]
    # The retried child bought only what the failed one had not recorded: no starting image
    # again, and one render again (segment 3's, made but never recorded).
    assert provider.counts["generate_image"] == 14
    assert provider.counts["start_video"] == 14 + 1
    assert "start-image-0-r1" not in children[1].steps
    assert "video-start-2-r1" not in children[1].steps
    assert "video-start-3-r1" in children[1].steps
