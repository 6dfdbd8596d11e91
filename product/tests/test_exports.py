from __future__ import annotations

import importlib

import pytest

MODULES = [
    "pipelines",
    "pipelines.app",
    "pipelines.assets",
    "pipelines.errors",
    "pipelines.functions",
    "pipelines.limits",
    "pipelines.models",
    "pipelines.orchestrators",
    "pipelines.progress",
    "pipelines.orchestrators.audio",
    "pipelines.orchestrators.image",
    "pipelines.orchestrators.music",
    "pipelines.orchestrators.video",
    "pipelines.providers",
    "pipelines.services",
    "pipelines.store",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_complete_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ lists missing {item!r}"
    # Names defined by the module itself or by its private submodules must be exported;
    # names merely imported from elsewhere must not leak in by accident.
    public = {
        attr
        for attr, value in vars(module).items()
        if not attr.startswith("_") and _defined_by(getattr(value, "__module__", None), name)
    }
    missing = public - set(exported)
    assert not missing, f"{name} has public names outside __all__: {sorted(missing)}"


def _defined_by(module: object, name: str) -> bool:
    return isinstance(module, str) and (module == name or module.startswith(name + "._"))
