"""The one place a fault is matched and recorded, whatever its layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.faults._applies import check_functions_served
from inngest_sim.faults._effects import TransportEffect
from inngest_sim.trace import FaultApplied

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx

    from inngest_sim.faults._context import FaultContext
    from inngest_sim.faults._plan import FaultPlan, FaultRule
    from inngest_sim.trace._recorder import Recorder

__all__ = ["FaultInjector"]


class FaultInjector:
    """Matches calls against a plan; each hit becomes a ``FaultApplied`` record.

    The record is written once, here, and the plan keeps it too: ``rule.calls`` is a
    view of those records.
    """

    def __init__(self, plan: FaultPlan, recorder: Recorder) -> None:
        self.plan = plan
        self.recorder = recorder

    def hit(self, ctx: FaultContext) -> tuple[FaultRule, BaseException | None] | None:
        found = self.plan.match(ctx)
        if found is None:
            return None
        rule = found[0]
        record = self.recorder.record(
            FaultApplied,
            rule=rule.name,
            effect=rule.effect.kind,
            layer=ctx.layer,
            function_id=ctx.function_id,
            run_id=ctx.run_id,
            step=ctx.step,
            attempt=ctx.attempt,
            path=ctx.path,
        )
        self.plan.applied.append(record)
        return found

    def answer(self, ctx: FaultContext, request: httpx.Request) -> httpx.Response | None:
        """A hit of a transport effect, applied to ``request``: the response it gives
        instead (or the exception it raises), or None when no rule matches."""
        found = self.hit(ctx)
        if found is None:
            return None
        rule = found[0]
        assert isinstance(rule.effect, TransportEffect)
        return rule.effect.apply(request, rule.name)

    def could_hit(self, layer: str) -> bool:
        """Whether any rule of the plan acts at ``layer`` (saves work when none does)."""
        return any(rule.layer == layer for rule in self.plan.rules)

    def check_functions(self, function_ids: Sequence[str]) -> None:
        """Refuse (``InvalidArgument``) rules whose ``function=`` matches none of the
        served ``function_ids``: they would never apply."""
        check_functions_served(self.plan.rules, function_ids)
