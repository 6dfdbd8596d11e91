"""Faults on the SDK's calls to the Inngest API (register, events, run state, realtime)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.faults._context import FaultContext

if TYPE_CHECKING:
    import httpx

    from inngest_sim.faults._injector import FaultInjector

__all__ = ["ApiFaults"]


class ApiFaults:
    """The API's fault hook: a response to give instead (or an exception), or None."""

    def __init__(self, injector: FaultInjector) -> None:
        self.injector = injector

    def __call__(self, request: httpx.Request, endpoint: str) -> httpx.Response | None:
        ctx = FaultContext("api", None, endpoint, None, path=request.url.path)
        return self.injector.answer(ctx, request)
