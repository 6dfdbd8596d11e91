"""What users install: the wheel holds only the library, and the pytest plugin loads lightly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from inngest_sim.report._page import ASSETS

ROOT = Path(__file__).resolve().parents[1]
# The heavy imports the plugin must defer until a fixture is used.
DEFERRED = ("inngest", "inngest_sim", "cel", "fastapi", "httpx", "hypothesis", "time_machine")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (ROOT / "inngest_sim").is_dir():
        pytest.skip("needs the source checkout (these tests run against an installed wheel)")
    # Built from a copy of what the wheel is made of: setuptools leaves a build/ folder
    # behind, and a stale one in the checkout would put deleted modules in the wheel.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "_inngest_sim_pytestplugin.py"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "inngest_sim", source / "inngest_sim", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(source),
        ],
        cwd=source,  # setuptools writes its build/ folder under the working directory
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("inngest_sim-*.whl")
    return built


def test_the_wheel_ships_only_the_library(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == {"inngest_sim", "_inngest_sim_pytestplugin.py"}
    assert "inngest_sim/py.typed" in names
    for asset in ASSETS:  # the template, the CSS and every file of the script
        assert f"inngest_sim/report/{asset}" in names


def test_the_wheel_requires_only_the_core_outside_extras(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist") or []
    core = sorted(
        r.split(">")[0].split("<")[0].split("=")[0].strip() for r in requires if "extra ==" not in r
    )
    assert core == sorted(
        ["inngest", "httpx", "fastapi", "common-expression-language", "time-machine", "croniter"]
    )
    for app_only in ("rich", "pillow", "respx"):
        assert not any(r.startswith(app_only) and "extra ==" not in r for r in requires)


def test_loading_the_pytest_plugin_imports_neither_the_simulator_nor_the_sdk() -> None:
    code = (
        "import sys, _inngest_sim_pytestplugin\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {DEFERRED!r})\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
