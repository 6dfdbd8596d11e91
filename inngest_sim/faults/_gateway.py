"""Faults on the HTTP calls the executor makes for ``step.fetch`` (the ``gateway`` layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.faults._context import FaultContext

if TYPE_CHECKING:
    import httpx

    from inngest_sim.faults._injector import FaultInjector

__all__ = ["GatewayFaults"]


class GatewayFaults:
    """The fetch gateway's fault hook: a response to give instead (or raise), or None."""

    def __init__(self, injector: FaultInjector) -> None:
        self.injector = injector

    def __call__(
        self, request: httpx.Request, function_id: str, step: str, attempt: int, run_id: str
    ) -> httpx.Response | None:
        ctx = FaultContext(
            "gateway", function_id, step, attempt, run_id=run_id, path=str(request.url)
        )
        return self.injector.answer(ctx, request)
