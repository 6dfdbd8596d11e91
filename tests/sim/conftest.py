"""Shared fixtures for the simulator tests in this directory."""

from __future__ import annotations

import inngest
import pytest


@pytest.fixture
def client() -> inngest.Inngest:
    """A dev-mode client: the simulator routes its register and event calls in-process."""
    return inngest.Inngest(app_id="sim-tests", is_production=False)
