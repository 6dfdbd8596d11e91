"""The API reference covers the whole public API, and every public name says what it is.

The reference (``docs/api.md``) is generated from docstrings: a public name missing from
it, or without a docstring (mkdocstrings leaves such names out), is a hole in the docs.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

griffe = pytest.importorskip("griffe", reason="the docs extra (mkdocstrings) brings griffe")

PUBLIC_MODULES = [
    "inngest_sim",
    "inngest_sim.assertions",
    "inngest_sim.coverage",
    "inngest_sim.dev",
    "inngest_sim.faults",
    "inngest_sim.history",
    "inngest_sim.pytest_plugin",
    "inngest_sim.report",
    "inngest_sim.strategies",
    "inngest_sim.timeline",
    "inngest_sim.trace",
]
API_PAGE = Path(__file__).parents[1] / "docs" / "api.md"


def _directives() -> list[str]:
    return re.findall(r"^::: (\S+)", API_PAGE.read_text(), re.MULTILINE)


def _public(module: str) -> list[tuple[str, Any]]:
    mod = importlib.import_module(module)
    return [(name, getattr(mod, name)) for name in mod.__all__]


def _documented_objects() -> set[int]:
    """Ids of the objects the page documents (directly or as a module's members)."""
    found: set[int] = set()
    for target in _directives():
        module, _, name = target.rpartition(".")
        if target in PUBLIC_MODULES and target != "inngest_sim":
            found.update(id(obj) for _, obj in _public(target))
        else:
            found.add(id(getattr(importlib.import_module(module), name)))
    return found


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_is_on_the_api_page(module: str) -> None:
    documented = _documented_objects()
    missing = [name for name, obj in _public(module) if id(obj) not in documented]
    assert not missing, f"docs/api.md leaves out {module}: {missing}"


@pytest.fixture(scope="module")
def loaded() -> Any:
    loader = griffe.GriffeLoader()
    loader.load("inngest_sim")
    loader.load("_inngest_sim_pytestplugin")
    loader.resolve_aliases(external=False, implicit=False)
    return loader.modules_collection


def _target(member: Any) -> Any:
    return member.final_target if member.is_alias else member


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring(module: str, loaded: Any) -> None:
    static = loaded[module]
    bare = [name for name, _ in _public(module) if not _target(static.members[name]).docstring]
    assert not bare, f"{module}: public names without a docstring: {bare}"


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_method_has_a_docstring(module: str, loaded: Any) -> None:
    bare = []
    for name, obj in _public(module):
        static = _target(loaded[module].members[name])
        if not static.is_class:
            continue
        for member_name, member in static.members.items():
            member = _target(member)
            if member_name.startswith("_") or member.is_attribute or member.docstring:
                continue
            # An override documented on its base class reads as documented.
            if inspect.getdoc(getattr(obj, member_name, None)):
                continue
            bare.append(f"{name}.{member_name}")
    assert not bare, f"{module}: public methods without a docstring: {bare}"
