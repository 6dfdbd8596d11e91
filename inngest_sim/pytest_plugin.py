"""pytest plugin for inngest_sim (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pytest

__all__ = ["pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "inngest_sim(**options): options for the simulator the `inngest_sim` fixture builds "
        "(limits=, seed=, backoff=, start=, request_latency=)",
    )
