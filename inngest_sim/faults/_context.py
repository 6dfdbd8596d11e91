"""Where a fault could apply: the layer, and the run, step and attempt (or API path)."""

from __future__ import annotations

import dataclasses
from typing import Literal

__all__ = ["FaultContext", "Layer"]

Layer = Literal["step", "step_after", "request", "response", "api", "gateway"]
"""``step``: before a step body runs; ``step_after``: after it returned; ``request``:
the execution request before the SDK sees it; ``response``: its answer; ``api``: the
SDK's own call to the Inngest API; ``gateway``: the HTTP call the executor makes for a
``step.fetch`` (``path`` is its URL).
"""


@dataclasses.dataclass(frozen=True, slots=True)
class FaultContext:
    """What a rule's ``when=`` predicate and callable side effects receive."""

    layer: Layer
    function_id: str | None
    step: str | None
    attempt: int | None
    run_id: str | None = None
    path: str | None = None
