"""The assertions module's surface: exports and docstrings."""

from __future__ import annotations

import inspect

from inngest_sim import assertions


def test_all_names_every_public_helper_with_a_docstring() -> None:
    public = {
        name
        for name, value in vars(assertions).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == assertions.__name__
    }
    assert public == set(assertions.__all__)
    assert sorted(assertions.__all__) == assertions.__all__
    for name in assertions.__all__:
        doc = inspect.getdoc(getattr(assertions, name)) or ""
        assert doc, name
        if name.startswith("assert_"):
            assert "Args:" in doc, name
