"""Public names say where users import them from (``inngest_sim.trace.RunEnded``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["claim_public_names"]


def claim_public_names(namespace: Mapping[str, Any], names: Iterable[str], package: str) -> None:
    """Set ``__module__`` of the objects exported by ``package`` from its submodules.

    Reprs, tracebacks and the API reference then name the package (as httpx and trio do).
    """
    for name in names:
        obj = namespace[name]
        if getattr(obj, "__module__", "").startswith(package + "."):
            obj.__module__ = package
