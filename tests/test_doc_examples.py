"""The README's and the getting-started page's test examples run and pass as written.

A page's python blocks share one namespace, in order, as a reader would paste them;
every ``test_*`` function a block defines is run.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "getting-started.md"]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
TEST = re.compile(r"^(?:async )?def (test_\w+)", re.M)


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_the_pages_examples_pass(page: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"example_{page.stem.replace('-', '_')}"}
    ran = []
    for code in BLOCK.findall(page.read_text(encoding="utf-8")):
        if not TEST.search(code):
            continue  # fragments such as Simulator.from_url(...) need a running server
        exec(compile(code, page.name, "exec"), namespace)
        for name in TEST.findall(code):
            result = namespace[name]()  # type: ignore[operator]
            if inspect.iscoroutine(result):
                asyncio.run(result)
            ran.append(name)
    assert ran, f"{page.name} has no test example"
