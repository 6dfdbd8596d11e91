"""A middleware that records what a mocked run did: step outputs and the final step count."""

from __future__ import annotations

import dataclasses
from typing import Any

import inngest


@dataclasses.dataclass
class Recording:
    outputs: list[tuple[str, object]] = dataclasses.field(default_factory=list)
    max_memos: int = 0

    @property
    def step_ids(self) -> list[str]:
        """Ids of the steps that produced output, in first-seen order, without repeats."""
        return list(dict.fromkeys(step_id for step_id, _ in self.outputs))


def recording_middleware(recording: Recording) -> type[inngest.Middleware]:
    class Recorder(inngest.Middleware):
        async def transform_input(self, ctx: Any, function: Any, steps: inngest.StepMemos) -> None:
            # The last request replays every memoized step, so the peak is the run's step count.
            recording.max_memos = max(recording.max_memos, steps.size)

        async def transform_output(self, result: inngest.TransformOutputResult) -> None:
            if result.step is not None and result.has_output():
                recording.outputs.append((result.step.id, result.output))

    return Recorder
