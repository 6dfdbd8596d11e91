"""Per-media orchestrators: prompts, single-asset helpers, and persistence.

They know nothing about Inngest steps: the functions in `pipelines.functions` call them
inside ``step.run`` and rely on the single-asset contract (see `AssetContext`).
"""

from __future__ import annotations

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._single import (
    AssetContext,
    failure,
    failure_from_exception,
    failure_from_step_error,
)

__all__ = [
    "AssetContext",
    "batch_with_concurrency",
    "failure",
    "failure_from_exception",
    "failure_from_step_error",
]
