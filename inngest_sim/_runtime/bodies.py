"""What the in-process probe reports from inside ``step.run``, turned into facts.

As a body starts, the run notes it (an error answer that names no step is charged to
it), an in-step fault may replace it, and otherwise a ``BodyExecuted`` record says it
really ran; while it runs, wall-clock time moves (see ``inngest_sim._runtime.wallclock``).
After it returns, an in-step fault may still lose its result.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from inngest_sim.trace import BodyExecuted

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from inngest_sim._engine.run import RunState
    from inngest_sim._runtime.wallclock import WallClock
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
        wall_clock: WallClock | None,
    ) -> None:
        self.run_of = run_of
        self.recorder = recorder
        self.faults = faults
        self.wall_clock = wall_clock

    @contextlib.contextmanager
    def running(self, run_id: str, step: str, attempt: int) -> Iterator[None]:
        run = self.run_of(run_id)
        function_id = run.spec.id if run is not None else None
        if run is not None:
            run.bodies.append(step)
        # Faults apply before the clock starts moving: an injected RetryAfterError's
        # deadline is exact.
        if self.faults is not None:
            self.faults.before_body(function_id, run_id, step, attempt)
        self.recorder.record(
            BodyExecuted, run_id=run_id, step=step, attempt=attempt, request_id=None
        )
        ticking = self.wall_clock.body() if self.wall_clock else contextlib.nullcontext()
        with ticking:
            yield
        if self.faults is not None:
            self.faults.after_body(function_id, run_id, step, attempt)
