"""Fixtures for driving the TypeScript app (tests/dev/ts_app) with Node on loopback, and a
dev server on held time with the shop app (`held_dev`, `shop`) for the REST v2 and MCP tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Iterator

import pytest

from inngest_sim import Simulator
from inngest_sim._server.loopback import free_port
from inngest_sim.dev import DevServerClient, dev_server
from tests.dev._capture_app import APP_DIR, start_app
from tests.dev._shop import shop_app
from tests.dev.test_dev_server import App

BUILD_HINT = f"cd {APP_DIR} && npm ci --ignore-scripts && npm run build"


def require_ts_app() -> None:
    """Skip without Node or the built app; in CI (INNGEST_SIM_CI=1) that is a failure."""
    problem = None
    if shutil.which("node") is None:
        problem = "node is not on PATH"
    elif not (APP_DIR / "dist" / "main.js").exists():
        problem = f"the TypeScript app is not built ({BUILD_HINT})"
    if problem is None:
        return
    if os.environ.get("INNGEST_SIM_CI") == "1":
        pytest.fail(f"{problem}; CI must install Node and build the app: {BUILD_HINT}")
    pytest.skip(problem)


@pytest.fixture(scope="module")
def ts_api_port() -> int:
    """The port every simulator of a module serves its Inngest API on (the app's base URL)."""
    return free_port()


@pytest.fixture(scope="module")
def ts_app(ts_api_port: int) -> Iterator[str]:
    """The TypeScript app, started once per module; yields its serve URL."""
    require_ts_app()
    app = start_app(f"http://127.0.0.1:{ts_api_port}", checkpointing=True)
    yield app.serve_url
    app.stop()


#: The virtual start of the TypeScript tests' simulators.
TS_START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["checkpoint", "classic"])
async def ts_sim(
    request: pytest.FixtureRequest, ts_app: str, ts_api_port: int
) -> AsyncIterator[Simulator]:
    """A simulator driving the TypeScript app, with checkpointing on ("checkpoint": the
    server's ctx.fn_id and ctx.qi_id sent) and off ("classic")."""
    async with Simulator.from_url(
        ts_app, api_port=ts_api_port, start=TS_START, checkpointing=request.param == "checkpoint"
    ) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def held_dev() -> Iterator[DevServerClient]:
    """``inngest-sim dev`` on held virtual time and any free port, for one module."""
    with dev_server(port=0, args=["--clock", "virtual", "--hold-time"], set_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def shop(held_dev: DevServerClient) -> Iterator[App]:
    """The shop app (``_shop.py``) served on loopback and synced with ``held_dev``."""
    app = shop_app(held_dev)
    yield app
    app.stop()
