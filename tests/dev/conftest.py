"""Fixtures for driving the TypeScript app (tests/dev/ts_app) with Node on loopback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from inngest_sim._server.loopback import free_port
from tests.dev._capture_app import APP_DIR, start_app

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
