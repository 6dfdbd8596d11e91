from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import Services
from pipelines.assets import AssetStore, LocalAssetStore, ObjectAssetStore, open_asset_store
from product.tests._fakes import RecordingPublisher
from product.tests._services import POSTGRES_URL_VAR, S3_URL_VAR, service_url, unique_name


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def services(tmp_path: Path, publisher: RecordingPublisher) -> Services:
    # One round per run: follow-up rounds have their own tests (test_kit.py).
    return Services.local(
        tmp_path / "data", publish=publisher, chunk_size=2, max_polls=3, follow_up_delays=()
    )


@pytest.fixture
def mocked_loop() -> Iterator[asyncio.AbstractEventLoop]:
    # inngest.experimental.mocked.trigger drives async functions with run_until_complete on
    # the current loop; give it one explicitly so no deprecation warning or leaked loop occurs.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL for an empty lecture store, on each backend: a SQLite file, or a fresh schema
    of the PostgreSQL server from ``product/ci/services.sh``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/lectures.sqlite3"
        return
    yield from _postgres_schema(service_url(POSTGRES_URL_VAR, "PostgreSQL store"))


def _postgres_schema(server: str) -> Iterator[str]:
    import psycopg
    import sqlalchemy as sa

    schema = unique_name("test")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["local", "s3"])
def asset_store(request: pytest.FixtureRequest, tmp_path: Path) -> AssetStore:
    """An empty asset store on each backend: a local directory, or a fresh prefix of the
    bucket on the S3-compatible server from ``product/ci/services.sh``."""
    if request.param == "local":
        return LocalAssetStore(tmp_path / "assets")
    return s3_asset_store()


def s3_url() -> str:
    """The URL of a fresh prefix of the test bucket (skips, or fails under CI, without
    the server)."""
    server = service_url(S3_URL_VAR, "S3 asset store")
    base, _, query = server.partition("?")
    return f"{base.rstrip('/')}/{unique_name('test')}?{query}"


def s3_asset_store() -> ObjectAssetStore:
    """An asset store on a fresh prefix of the test bucket."""
    store = open_asset_store(s3_url())
    assert isinstance(store, ObjectAssetStore)
    return store


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema of the PostgreSQL server (skips, or fails under CI, without it)."""
    yield from _postgres_schema(service_url(POSTGRES_URL_VAR, "PostgreSQL store"))
