"""Glue between the SDK-side probes and the simulator: body executions and faults.

The probe calls :meth:`Hooks.before_body` / :meth:`Hooks.after_body` from inside
``step.run``; the in-process Inngest API calls :meth:`Hooks.api_fault`. Both
record what happened and raise an injected fault when a rule matches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from inngest_sim._faults import (
    API_ENDPOINTS,
    FaultContext,
    FaultPlan,
    Layer,
    raise_effect,
)
from inngest_sim._trace import BodyExecuted

if TYPE_CHECKING:
    from inngest_sim._executor import Executor

__all__ = ["Hooks"]


class Hooks:
    def __init__(self, executor: Executor, faults: FaultPlan | None) -> None:
        self.executor = executor
        self.faults = faults

    def before_body(self, run_id: str, step: str, attempt: int) -> None:
        self._step_fault("step", run_id, step, attempt)
        self.executor.record(
            BodyExecuted, run_id=run_id, step=step, attempt=attempt, request_id=None
        )

    def after_body(self, run_id: str, step: str, attempt: int) -> None:
        self._step_fault("step_after", run_id, step, attempt)

    def _step_fault(self, layer: Layer, run_id: str, step: str, attempt: int) -> None:
        if self.faults is None:
            return
        run = self.executor.runs.get(run_id)
        ctx = FaultContext(
            layer=layer,
            function_id=run.spec.id if run else None,
            step=step,
            attempt=attempt,
            run_id=run_id,
        )
        found = self.faults.match(ctx)
        if found is None:
            return
        rule, effect = found
        self.executor.record_fault(rule, run_id, step, attempt)
        raise_effect(effect)

    def api_fault(self, path: str) -> httpx.Response | None:
        """The response an API fault rule gives for ``path`` (or raises), else None."""
        if self.faults is None:
            return None
        endpoint = next((n for n, prefix in API_ENDPOINTS.items() if path.startswith(prefix)), path)
        ctx = FaultContext(layer="api", function_id=None, step=endpoint, attempt=None, path=path)
        found = self.faults.match(ctx)
        if found is None:
            return None
        rule, effect = found
        self.executor.record_fault(rule, None, endpoint, None)
        if effect is not None:
            raise_effect(effect)
        return httpx.Response(rule.status_code, json={"error": f"injected by {rule.name}"})
