"""The pipeline kit: declare a per-asset, chunked, persisted pipeline once, in data.

A `Pipeline` names its trigger, its progress topic, its slots, an optional ``prompts``
step and its `Phase` s; `build_function` makes its Inngest functions. Every run has the
same shape:

1. ``validate``: the request, the lecture, its owner, the slots still missing (a rerun
   pays only for those), and whether the work fits in one run (`pipelines.limits`);
2. ``prompts`` (optional), falling back to templates when the model fails for good;
3. per phase, the slots in chunks of ``Services.chunk_size``: one step per asset (or a
   start and polls) in parallel, then ``progress-{phase}-{chunk}`` and
   ``persist-{phase}-{chunk}`` (the chunk is recorded at once, so nothing paid for waits
   for the end of the run);
4. follow-up rounds (``Services.follow_up_delays``, 5 and 15 minutes by default): after a
   sleep, exactly the assets whose failure was retryable are made again (step ids get
   ``-r1``, ``-r2``);
5. a lecture too long for one run is split: the run invokes ``{function id}-slice`` per
   slice of slots, each under the step limit, and each asset is still made, recorded and
   reported once per round;
6. ``progress-{topic}-done`` with the summary.

The building blocks are public for pipelines that need another shape.
"""

from __future__ import annotations

from pipelines.kit._chunks import Reporter, publish_step, run_chunk, slot_result
from pipelines.kit._declare import (
    RENDER_FORMULA,
    AssetJob,
    Phase,
    Pipeline,
    Prepare,
    Slot,
    one_per_lecture,
    one_per_segment,
    render_steps,
    slot_key,
    steps_of_round,
)
from pipelines.kit._failure import failure_handler
from pipelines.kit._flow import IDEMPOTENCY_KEY, SINGLETON_KEY, function_options, provider_key
from pipelines.kit._ledger import ChildOutput, Ledger, Unrecorded, database_error
from pipelines.kit._plan import Plan, plan_generation, plan_request
from pipelines.kit._run import build_function, run_round, slice_trigger
from pipelines.kit._summary import skipped, summarize

__all__ = [
    "IDEMPOTENCY_KEY",
    "RENDER_FORMULA",
    "SINGLETON_KEY",
    "AssetJob",
    "ChildOutput",
    "Ledger",
    "Phase",
    "Pipeline",
    "Plan",
    "Prepare",
    "Reporter",
    "Slot",
    "Unrecorded",
    "build_function",
    "database_error",
    "failure_handler",
    "function_options",
    "one_per_lecture",
    "one_per_segment",
    "plan_generation",
    "plan_request",
    "provider_key",
    "publish_step",
    "render_steps",
    "run_chunk",
    "run_round",
    "skipped",
    "slice_trigger",
    "slot_key",
    "slot_result",
    "steps_of_round",
    "summarize",
]
