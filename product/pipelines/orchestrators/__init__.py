"""Per-media orchestrators: prompts, single-asset helpers, and persistence.

They know nothing about Inngest steps: the functions in `pipelines.functions` call them
inside ``step.run`` and rely on the single-asset contract (see `AssetContext`).
"""

from __future__ import annotations

from pipelines.orchestrators._batch import batch_with_concurrency
from pipelines.orchestrators._render import (
    RenderPoll,
    RenderStarted,
    poll_render,
    render_timeout,
    start_render,
    wait_for_render,
)
from pipelines.orchestrators._single import (
    AssetContext,
    asset_store_error,
    classified,
    failure,
    failure_from_exception,
    failure_from_step_error,
    produce_asset,
)

__all__ = [
    "AssetContext",
    "RenderPoll",
    "RenderStarted",
    "asset_store_error",
    "batch_with_concurrency",
    "classified",
    "failure",
    "failure_from_exception",
    "failure_from_step_error",
    "poll_render",
    "produce_asset",
    "render_timeout",
    "start_render",
    "wait_for_render",
]
