from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import Services
from product.tests._fakes import RecordingPublisher


@pytest.fixture
def publisher() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def services(tmp_path: Path, publisher: RecordingPublisher) -> Services:
    return Services.local(tmp_path / "data", publish=publisher, chunk_size=2, max_polls=3)


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
