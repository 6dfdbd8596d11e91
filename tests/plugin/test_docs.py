"""The examples in the docs pages this package owns run, and pass.

A fenced ``python`` block whose first line is ``# test_<name>.py`` is a complete test
module: each one runs in an inner pytest session.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import INI

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ["writing-tests.md", "fault-injection.md", "property-testing.md", "reading-a-failure.md"]
BLOCK = re.compile(r"```python\n# (test_\w+\.py)\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str, str]]:
    found = []
    for page in PAGES:
        for match in BLOCK.finditer((DOCS / page).read_text(encoding="utf-8")):
            found.append((page, match[1], match[2]))
    return found


EXAMPLES = _examples()


# The failure walked through on this page fails on purpose, with the output it shows.
FAILING = "reading-a-failure.md"


def test_every_page_has_runnable_examples() -> None:
    assert {page for page, _, _ in EXAMPLES} == set(PAGES)


@pytest.mark.parametrize(
    ("page", "name", "code"), EXAMPLES, ids=[f"{p}:{n}" for p, n, _ in EXAMPLES]
)
def test_the_example_runs_as_shown(
    pytester: pytest.Pytester, page: str, name: str, code: str
) -> None:
    pytester.makeini(INI.format(mode="auto"))
    pytester.path.joinpath(name).write_text(f"# {name}\n{code}", encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider")
    output = result.stdout.str()
    if page != FAILING:
        assert result.ret == 0, f"{page}: {name}\n{output}"
        return
    shown = (DOCS / page).read_text(encoding="utf-8")
    result.assert_outcomes(failed=1)
    for line in output.splitlines():
        if line.startswith("FAILED "):
            continue  # the short summary's width depends on the environment (CI=true)
        # Every line of the failure, except run ids, appears on the page as printed.
        if " steps together" in line or line.startswith(
            ("E         chunk", "seed=", "fault plan", "    plan", "    from ", "    import ")
        ):
            assert re.sub(r"01[0-9A-Z]{24}", "RUNID", line) in re.sub(
                r"01[0-9A-Z]{24}", "RUNID", shown
            ), line
    assert f"{name}:" in output
