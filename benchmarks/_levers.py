"""The levers the benchmark can switch, all through the Simulator's own options.

A lever set is written ``stock``, or levers joined by ``+``:

``accel``
    the SDK accelerator (``accelerate=True``; ``stock`` passes ``accelerate=False``);
``direct``
    the default in-process endpoint straight into the SDK's handler
    (``InProcessBackend(transport="direct")``; without it, ``transport="asgi"``: the
    SDK's FastAPI adapter over httpx);
``gcfreeze``
    ``freeze_gc=True`` (with ``accel``).

The simulator's defaults are ``accel+direct``.
"""

from __future__ import annotations

from typing import Any

from inngest_sim import InProcessBackend

LEVERS = ("accel", "direct", "gcfreeze")
DEFAULTS = ("accel", "direct")


def parse(spec: str) -> tuple[str, ...]:
    """``"accel+direct"`` -> ``("accel", "direct")``; ``"stock"`` -> ``()``."""
    if spec == "stock":
        return ()
    levers = tuple(spec.split("+"))
    unknown = [lever for lever in levers if lever not in LEVERS]
    if unknown or not levers:
        raise ValueError(f"unknown lever(s) {unknown} in {spec!r}; choose from {LEVERS}")
    if "gcfreeze" in levers and "accel" not in levers:
        raise ValueError("gcfreeze is part of the accelerator: write accel+gcfreeze")
    return levers


def name(levers: tuple[str, ...]) -> str:
    return "+".join(levers) or "stock"


def options(levers: tuple[str, ...]) -> dict[str, Any]:
    """The Simulator options for ``levers``."""
    return {
        "accelerate": "accel" in levers,
        "freeze_gc": "gcfreeze" in levers,
        "backend": InProcessBackend(transport="direct" if "direct" in levers else "asgi"),
    }
