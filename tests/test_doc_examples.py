"""Every example in README.md and docs/ runs as written, under the configuration the docs give.

Three checks, from the reader's side:

* The README's and the getting-started page's test examples run and pass as written. A
  page's python blocks share one namespace, in order, as a reader would paste them; every
  ``test_*`` function a block defines is run.
* The pytest configuration the docs give (``[tool.pytest.ini_options]``, the same on every
  page that shows it) is copied into a fresh project with every complete example of every
  page, and pytest runs them there in a subprocess, with the plugins the extras install: the
  first copy-paste a user makes must work (a pytest-asyncio warning under
  ``filterwarnings = error`` once stopped every test with INTERNALERROR).
* Every other python block (a fragment) compiles, and what it imports exists; every
  ``inngest_sim...`` name the pages mention in code resolves.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", DOCS / "getting-started.md"]
ALL_PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
TEST = re.compile(r"^(?:async )?def (test_\w+)", re.M)
# A complete test module names its file on its first line.
MODULE = re.compile(r"# (test_\w+\.py)\n")
CONFIG = re.compile(r"```toml\n(\[tool\.pytest\.ini_options\]\n.*?)```", re.S)
# The walkthrough on this page fails on purpose (tests/plugin/test_docs.py checks its output).
FAILING = "reading-a-failure.md"
# Modules the docs use as stand-ins for the reader's own code.
READERS_CODE = {"myapp"}
NAME = re.compile(r"`(inngest_sim(?:\.\w+)+)")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_pages_examples_pass(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"example_{page.stem.replace('-', '_')}"}
    ran = []
    for code in BLOCK.findall(_text(page)):
        if not TEST.search(code):
            continue  # fragments such as Simulator.from_url(...) need a running server
        exec(compile(code, page.name, "exec"), namespace)
        for name in TEST.findall(code):
            result = namespace[name]()  # type: ignore[operator]
            if inspect.iscoroutine(result):
                asyncio.run(result)
            ran.append(name)
    assert ran, f"{page.name} has no test example"


def _docs_configuration() -> str:
    shown = {page.name: CONFIG.findall(_text(page)) for page in ALL_PAGES}
    configs = {config for found in shown.values() for config in found}
    assert len(configs) == 1, f"the pages give different pytest configurations: {shown}"
    (config,) = configs
    return config


def test_the_pages_that_show_a_pytest_configuration_show_the_same_complete_one() -> None:
    config = tomllib.loads(_docs_configuration())["tool"]["pytest"]["ini_options"]
    # What the library's examples need: async tests, and the warnings the SDK triggers.
    assert config["asyncio_mode"] == "auto"
    assert config["asyncio_default_fixture_loop_scope"] == "function"
    assert config["filterwarnings"][0] == "error"
    pages = {p.name for p in ALL_PAGES if CONFIG.search(_text(p))}
    assert {"getting-started.md", "compatibility.md"} <= pages


def test_the_pages_that_describe_installing_list_every_extra() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # The project's own gates (test, bench, docs) are not for users.
    extras = set(pyproject["project"]["optional-dependencies"]) - {"test", "bench", "docs"}
    compatibility = _text(DOCS / "compatibility.md")
    getting_started = _text(DOCS / "getting-started.md")
    for extra in sorted(extras):
        assert f"pip install 'inngest-sim[{extra}]'" in compatibility, extra
        assert f"| `{extra}` |" in getting_started, extra


def _complete_examples() -> dict[str, str]:
    """Every complete example, by the file name it gets in the reader's project."""
    examples = {}
    for page in ALL_PAGES:
        stem = page.stem.replace("-", "_").lower()
        loose = []
        for code in BLOCK.findall(_text(page)):
            named = MODULE.match(code)
            if named:
                examples[f"test_{stem}_{named[1].removeprefix('test_')}"] = code
            elif page in PAGES and TEST.search(code):
                loose.append(code)  # these pages' blocks continue one another
        if loose:
            examples[f"test_{stem}.py"] = "\n".join(loose)
    return examples


def test_the_docs_configuration_runs_every_complete_example(tmp_path: Path) -> None:
    examples = _complete_examples()
    assert "test_readme.py" in examples
    (tmp_path / "pyproject.toml").write_text(_docs_configuration(), encoding="utf-8")
    for name, code in examples.items():
        (tmp_path / name).write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "INNGEST"))}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = done.stdout + done.stderr
    assert "INTERNALERROR" not in output, output
    failing = f"test_{FAILING.removesuffix('.md').replace('-', '_')}_"
    failed = re.findall(r"^FAILED (\S+?)::", output, re.M)
    assert len(failed) == 1, output
    assert failed[0].startswith(failing), output
    assert re.search(r"^1 failed, \d+ passed in ", output, re.M), output
    assert done.returncode == 1, output


def _fragments() -> list[tuple[str, int, str]]:
    found = []
    for page in ALL_PAGES:
        text = _text(page)
        for match in BLOCK.finditer(text):
            code = match[1]
            if MODULE.match(code) or (page in PAGES and TEST.search(code)):
                continue
            found.append((page.name, text.count("\n", 0, match.start()) + 2, code))
    return found


@pytest.mark.parametrize(
    ("page", "line", "code"), _fragments(), ids=[f"{p}:{n}" for p, n, _ in _fragments()]
)
def test_a_fragments_code_compiles_and_its_imports_exist(page: str, line: int, code: str) -> None:
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    tree = compile(code, f"{page}:{line}", "exec", flags=flags)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.partition(".")[0] in READERS_CODE:
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{page}:{line}: {node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.partition(".")[0] not in READERS_CODE:
                    importlib.import_module(alias.name)


@pytest.mark.parametrize("page", ALL_PAGES, ids=[p.name for p in ALL_PAGES])
def test_every_inngest_sim_name_a_page_mentions_exists(page: Path) -> None:
    for name in sorted(set(NAME.findall(_text(page)))):
        parts = name.split(".")
        found: object = importlib.import_module(parts[0])
        for i, part in enumerate(parts[1:], start=1):
            if hasattr(found, part):
                found = getattr(found, part)
                continue
            try:
                found = importlib.import_module(".".join(parts[: i + 1]))
            except ModuleNotFoundError:
                pytest.fail(f"{page.name} mentions `{name}`, which does not exist")
