"""The strategies module's surface: exports, validation, and where Hypothesis is imported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import hypothesis.errors
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

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
    assert public | {"KINDS", "PROFILE", "CI_PROFILE"} == set(strategies.__all__)
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


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (
            lambda: strategies.fault_plans(["a", "b"], max_rules=2),
            "fault_plans(['a', 'b'], max_rules=2)",
        ),
        (
            lambda: strategies.fault_plans(["a"], kinds=["transient"], retries=2),
            "fault_plans(['a'], kinds=['transient'], retries=2)",
        ),
        (lambda: strategies.fault_plans(("a",), max_rules=3), "fault_plans(('a',))"),
        (lambda: strategies.events("x/y"), "events('x/y')"),
        (
            lambda: strategies.events("x/y", data={"n": st.integers(0, 3)}),
            "events('x/y', data={'n': integers(min_value=0, max_value=3)})",
        ),
        (lambda: strategies.seeds(), "seeds()"),
        (lambda: strategies.seeds(max_value=9), "seeds(max_value=9)"),
    ],
)
def test_a_strategy_reads_as_the_call_that_made_it(make: Any, text: str) -> None:
    strategy = make()
    assert repr(strategy) == text
    assert repr(strategy.map(len)) == f"{text}.map(len)"


@pytest.mark.parametrize(
    "make",
    [
        lambda: strategies.fault_plans([]),
        lambda: strategies.fault_plans(["a"], kinds=["flaky"]),
        lambda: strategies.events(""),
        lambda: strategies.seeds(min_value=-1),
        lambda: InjectedFault("a", "flaky"),
    ],
)
def test_bad_arguments_raise_hypothesis_invalid_argument_and_ours(make: Any) -> None:
    # `except hypothesis.errors.InvalidArgument:` and `except inngest_sim.InvalidArgument:`
    # (a ValueError) both catch it: pytest.raises matches as `except` does.
    with pytest.raises(hypothesis.errors.InvalidArgument) as hypothesis_form:
        make()
    with pytest.raises(InvalidArgument) as our_form:
        make()
    assert type(hypothesis_form.value) is strategies.InvalidArgument
    assert isinstance(our_form.value, ValueError)
    assert str(hypothesis_form.value) == str(our_form.value)


def test_the_profiles_are_registered_not_loaded() -> None:
    assert strategies.PROFILE == "inngest-sim"
    profile = settings.get_profile(strategies.PROFILE)
    assert profile.deadline is None
    assert HealthCheck.too_slow in profile.suppress_health_check
    assert Phase.explain not in profile.phases
    assert {Phase.generate, Phase.shrink} <= set(profile.phases)
    ci = settings.get_profile(strategies.CI_PROFILE)
    assert ci.derandomize
    assert ci.database is None
    assert ci.deadline is None
    assert Phase.explain not in ci.phases


def test_importing_the_strategies_does_not_load_a_profile() -> None:
    code = (
        "from hypothesis import settings\n"
        "before = settings._current_profile\n"
        "import inngest_sim.strategies\n"
        "assert settings._current_profile == before, settings._current_profile\n"
        "settings.load_profile('inngest-sim')\n"
        "assert settings().deadline is None\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.stdout.strip() == "ok", result.stderr[-2000:]
