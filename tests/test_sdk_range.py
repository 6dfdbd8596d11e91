"""The SDK range is stated once and held to: pyproject, the docs, the messages and CI agree."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from inngest_sim._sdk.versions import OLDEST, SUPPORTED

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_requires_the_stated_range_and_the_installed_sdk_is_in_it() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (sdk,) = [d for d in pyproject["project"]["dependencies"] if d.startswith("inngest")]
    assert sdk == SUPPORTED
    assert importlib.metadata.version("inngest") in Requirement(sdk).specifier


def test_the_compatibility_page_states_the_range_and_how_each_end_is_checked() -> None:
    page = (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8")
    row = next(line for line in page.splitlines() if line.startswith("| `inngest` (Python SDK)"))
    assert f"`{SUPPORTED.removeprefix('inngest')}`" in row
    assert ".ci/sdk-range" in row
    assert f"on the oldest, {OLDEST}" in row


def test_ci_runs_the_core_on_the_oldest_sdk_and_tries_the_newest_pre_release() -> None:
    if not (ROOT / ".ci").is_dir():
        pytest.skip("the CI scripts are not here: the wheel's tests run outside the checkout")
    script = (ROOT / ".ci" / "sdk-range").read_text(encoding="utf-8")
    assert "inngest_sim/_sdk/versions.py" in script  # OLDEST is read from there
    assert re.search(r'venv_with "\$oldest"', script)
    assert "pip index versions --pre inngest" in script
    assert ".ci/sdk-range" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
