"""The levers the benchmark can switch: the SDK accelerator, the direct endpoint, gc.freeze.

A lever set is written ``stock``, or levers joined by ``+``: ``accel``,
``accel+direct``, ``accel+direct+gcfreeze``. The simulator does not use these by
itself yet; :func:`scope` applies them around one simulator, the way
``Simulator._start`` is meant to once they are wired in.

Two more model set-up changes the lead may make, through today's public options
(:func:`options`), to measure what they would save:

``lazyai``
    every Simulator gets one shared ``ai_client``, so none builds the
    ``httpx.AsyncClient`` (and its SSL context) it makes by default: what a lazy
    AI client saves when no ``step.ai.infer`` runs.
``nofreeze``
    ``freeze_time=False``: the most that cheaper time freezing could save
    (function code then reads the real clock, so this is a bound, not a lever).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx

from inngest_sim import Simulator
from inngest_sim._sdk.accelerator import accelerated
from inngest_sim._sdk.direct import DirectEndpoint

LEVERS = ("accel", "direct", "gcfreeze", "lazyai", "nofreeze")
_SHARED_AI: list[httpx.AsyncClient] = []


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
    """Simulator options for the set-up levers (``lazyai``, ``nofreeze``)."""
    chosen: dict[str, Any] = {}
    if "lazyai" in levers:
        if not _SHARED_AI:
            _SHARED_AI.append(httpx.AsyncClient())  # built once per process, never used
        chosen["ai_client"] = _SHARED_AI[0]
    if "nofreeze" in levers:
        chosen["freeze_time"] = False
    return chosen


@contextlib.contextmanager
def scope(levers: tuple[str, ...]) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        if "accel" in levers:
            status = stack.enter_context(accelerated(True, freeze_gc="gcfreeze" in levers))
            if not status.active:
                raise RuntimeError(f"the accelerator did not install: {status.reason}")
        if "direct" in levers:
            stack.enter_context(_direct_endpoint())
        yield


# ---------------------------------------------------------------------------
# BENCHMARK-ONLY MONKEYPATCH. Today's Simulator builds its default in-process
# endpoint (FastAPI app + httpx.ASGITransport) in Simulator._endpoint. Until the
# simulator chooses DirectEndpoint itself, the benchmark swaps that one method,
# for the default path only (from_app / from_url keep theirs), and puts it back.
# ---------------------------------------------------------------------------
@contextlib.contextmanager
def _direct_endpoint() -> Iterator[None]:
    original = Simulator._endpoint

    async def endpoint(self: Any) -> Any:
        if self._app is not None or self._url is not None:
            return await original(self)
        cloud = bool(getattr(self.client, "is_production", False))
        signing_key = getattr(self.client, "signing_key", None) if cloud else None
        return DirectEndpoint(
            self.client,
            self._functions,
            serve_path=self._serve_path,
            signing_key=signing_key,
        )

    Simulator._endpoint = endpoint  # type: ignore[method-assign]
    try:
        yield
    finally:
        Simulator._endpoint = original  # type: ignore[method-assign]
