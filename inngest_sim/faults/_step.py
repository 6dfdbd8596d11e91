"""Faults inside step bodies: the probe calls these as a body starts and after it returns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.faults._context import FaultContext

if TYPE_CHECKING:
    from inngest_sim.faults._context import Layer
    from inngest_sim.faults._injector import FaultInjector

__all__ = ["StepFaults"]


class StepFaults:
    """Raises what a ``step`` or ``step_after`` rule asks for."""

    def __init__(self, injector: FaultInjector) -> None:
        self.injector = injector

    def before_body(self, function_id: str | None, run_id: str, step: str, attempt: int) -> None:
        """Raising here replaces the body."""
        self._apply("step", function_id, run_id, step, attempt)

    def after_body(self, function_id: str | None, run_id: str, step: str, attempt: int) -> None:
        """Raising here loses the body's result (its side effects happened)."""
        self._apply("step_after", function_id, run_id, step, attempt)

    def _apply(
        self, layer: Layer, function_id: str | None, run_id: str, step: str, attempt: int
    ) -> None:
        ctx = FaultContext(layer, function_id, step, attempt, run_id=run_id)
        found = self.injector.hit(ctx)
        if found is not None and found[1] is not None:
            raise found[1]
