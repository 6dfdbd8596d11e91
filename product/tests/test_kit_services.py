"""Paid work and infrastructure failures on the real backends: PostgreSQL and the
S3-compatible server that ``ci/services.sh`` starts (and SQLite and a local directory),
with the database errors the real drivers raise."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import inngest
import pytest
import sqlalchemy as sa

from inngest_sim import Backoff, RunResult, Simulator
from pipelines import Services, build_functions, create_sample_lecture
from pipelines.assets import AssetStore, open_asset_store
from pipelines.providers import LocalProvider
from pipelines.store import open_store
from product.tests._fakes import CountingProvider
from product.tests.conftest import s3_url

DATA = {"lecture_id": "sample-lecture", "user_id": "demo-user"}
OPENED: list[Any] = []
# Nothing listens here (the helper's port range): connecting is refused by the kernel.
DEAD = {"sqlite": None, "postgresql": "postgresql+psycopg://postgres@127.0.0.1:9403/gone"}


class DownStore:
    """The lecture store, whose merges reach a database that is down while `down(results)`
    says so: the driver's own connection error, not a stand-in."""

    def __init__(self, inner: Any, url: str | None, tmp: Path, down: Any) -> None:
        self.inner, self.down = inner, down
        # SQLite's "down": a database file under a directory that is not there.
        self.dead = sa.create_engine(url or f"sqlite:///{tmp}/missing/dir/db.sqlite3")
        OPENED.append(self)

    def close(self) -> None:
        self.dead.dispose()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def merge_assets(self, lecture_id: str, kind: str, results: Any, **kw: Any) -> Any:
        if self.down(results):
            with self.dead.connect():
                raise AssertionError("the dead database answered")
        return self.inner.merge_assets(lecture_id, kind, results, **kw)


async def _run(services: Services) -> RunResult:
    client = inngest.Inngest(app_id="lecture-media", is_production=False)
    async with Simulator(
        client, build_functions(client, services), backoff=Backoff(jitter=0)
    ) as sim:
        return await sim.run("generate-narration", data=DATA)


def _services(store_url: str, assets: AssetStore, **options: Any) -> tuple[Services, Any]:
    speech = CountingProvider(LocalProvider())
    store = open_store(store_url)
    OPENED.append(store)
    services = Services.local(
        "/nonexistent-unused", store=store, assets=assets, speech=speech, **options
    )
    return services, speech


async def test_paid_work_survives_a_database_outage_on_each_backend(
    store_url: str, asset_store: AssetStore, tmp_path: Path
) -> None:
    services, speech = _services(
        store_url, asset_store, chunk_size=2, retries=1, follow_up_delays=(_minute(),)
    )
    create_sample_lecture(services.store, segments=6)
    backend = "postgresql" if store_url.startswith("postgres") else "sqlite"
    # Segment 2's chunk can never be recorded; the database is fine for the others.
    down = DownStore(
        services.store, DEAD[backend], tmp_path, lambda rs: any(r["segment"] == 2 for r in rs)
    )

    failed = await _run(dataclasses.replace(services, store=down))

    assert failed.status == "Failed"
    assert failed.error is not None
    assert "DATABASE_UNAVAILABLE" in failed.error["message"]
    attempts = failed.steps["persist-narration-1"].attempts
    assert [a.outcome for a in attempts] == ["error", "failed"]
    assert "DATABASE_UNAVAILABLE from lecture-store" in str(attempts[-1].error)
    ok = {r.segment for r in services.store.list_assets("sample-lecture", "narration") if r.ok}
    assert ok == {0, 1, 4, 5}
    assert speech.paid() == 6

    rerun = await _run(services)

    assert rerun.status == "Completed", rerun.error
    assert speech.paid() == 8  # the two unrecorded segments, and nothing else
    ok = {r.segment for r in services.store.list_assets("sample-lecture", "narration") if r.ok}
    assert ok == set(range(6))


async def test_a_bucket_that_refuses_writes_is_named_not_blamed_on_the_provider(
    store_url: str,
) -> None:
    query = s3_url().split("?", 1)[1]
    # Opened without the start-up check, as if the bucket went away after start-up.
    missing = open_asset_store(f"s3://no-such-bucket/x?{query}", check=False)
    services, speech = _services(store_url, missing, retries=1, follow_up_delays=())
    create_sample_lecture(services.store, segments=2)

    run = await _run(services)

    assert run.status == "Completed", run.error
    assert run.output["generated"] == 0
    codes = {(f["code"], f["provider"]) for f in run.output["failures"]}
    assert codes == {("ASSET_STORE_UNAVAILABLE", "asset-store")}
    assert "no-such-bucket" in run.output["failures"][0]["message"]
    # The provider answered on each of the 2 attempts per asset: the store, not the
    # provider, failed, and each retry of the step paid again (see error-handling.md).
    assert speech.paid() == 4
    rows = services.store.list_assets("sample-lecture", "narration")
    assert [r.result["error"]["code"] for r in rows] == ["ASSET_STORE_UNAVAILABLE"] * 2  # type: ignore[typeddict-item]


def _minute() -> Any:
    import datetime

    return datetime.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _close_what_the_test_opened() -> Any:
    yield
    while OPENED:
        OPENED.pop().close()
