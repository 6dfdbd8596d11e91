"""The strategies module's surface: exports, validation, and where Hypothesis is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import inngest_sim
from inngest_sim import InvalidArgument, strategies
from inngest_sim.strategies import InjectedFault

PACKAGE = Path(inngest_sim.__file__).parent


def test_all_names_every_public_function_and_class() -> None:
    public = {
        name
        for name, value in vars(strategies).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == strategies.__name__
    }
    assert public | {"KINDS"} == set(strategies.__all__)
    assert len(strategies.__all__) == len(set(strategies.__all__))


def test_hypothesis_is_imported_only_by_the_strategies_module() -> None:
    importers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "hypothesis" or n.startswith("hypothesis.") for n in names):
                importers.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(set(importers)) == ["strategies.py"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("a", "flaky"), r"kind='flaky': choose from"),
        (("a", "transient", 0), "count=0 must be >= 1"),
        (("a", "retry_after", 1), "seconds for kind='retry_after' only"),
        (("a", "transient", 1, 30), "seconds for kind='retry_after' only"),
    ],
)
def test_hand_built_faults_are_checked(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        InjectedFault(*args)  # type: ignore[arg-type]


def test_events_need_a_name_and_a_usable_data_argument() -> None:
    with pytest.raises(InvalidArgument, match="non-empty event name"):
        strategies.events("")
    with pytest.raises(InvalidArgument, match="a strategy or a dict of strategies"):
        strategies.events("x/y", data=[1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="need 0 <= min_value=5 <= 1"):
        strategies.seeds(min_value=5, max_value=1)
