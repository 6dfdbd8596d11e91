"""What the in-process probe reports from inside ``step.run``, turned into facts.

As a body starts, the run notes it (an error answer that names no step is charged to
it), an in-step fault may replace it, and otherwise a ``BodyExecuted`` record says it
really ran. After it returns, an in-step fault may still lose its result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.trace import BodyExecuted

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._engine.run import RunState
    from inngest_sim.faults._step import StepFaults
    from inngest_sim.trace._recorder import Recorder

__all__ = ["BodyWatch"]


class BodyWatch:
    """The probe's listener for one simulator's runs."""

    def __init__(
        self,
        run_of: Callable[[str], RunState | None],
        recorder: Recorder,
        faults: StepFaults | None,
    ) -> None:
        self.run_of = run_of
        self.recorder = recorder
        self.faults = faults

    def before_body(self, run_id: str, step: str, attempt: int) -> None:
        run = self.run_of(run_id)
        if run is not None:
            run.bodies.append(step)
        if self.faults is not None:
            self.faults.before_body(run.spec.id if run else None, run_id, step, attempt)
        self.recorder.record(
            BodyExecuted, run_id=run_id, step=step, attempt=attempt, request_id=None
        )

    def after_body(self, run_id: str, step: str, attempt: int) -> None:
        if self.faults is not None:
            run = self.run_of(run_id)
            self.faults.after_body(run.spec.id if run else None, run_id, step, attempt)
