"""Inngest run limits, and how a pipeline's work is laid out across runs to stay inside them.

Inngest counts every `step.run`, every `step.sleep`, every `step.invoke` and every
progress-publish step (itself a `step.run`, including the terminal ``progress-*-done``);
the function's final return is not a step. A run that would plan its 1,001st step fails
mid-way (and one with exactly 1,000 steps cannot make the call that returns its result),
so a run may use at most 999.

The counts are computed from the pipelines' declarations (`pipelines.kit.Pipeline`), never
written by hand: `step_count` is the worst case of a run, `step_table` the formulas the
docs show. Symbols: S segments, I images per segment, C chunk size, P maximum polls,
R follow-up rounds.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

import inngest

if TYPE_CHECKING:
    from pipelines.kit import Pipeline
    from pipelines.services import Services

__all__ = [
    "MAX_RUN_STATE_BYTES",
    "MAX_STEPS_PER_RUN",
    "MAX_STEP_OUTPUT_BYTES",
    "check_output_size",
    "output_size",
    "plan_runs",
    "run_steps",
    "slice_steps",
    "step_count",
    "step_table",
    "steps_of_round_for",
]

MAX_STEPS_PER_RUN = 1_000
MAX_STEP_OUTPUT_BYTES = 4 * 1024 * 1024
MAX_RUN_STATE_BYTES = 32 * 1024 * 1024
# A run may use this many steps: the call that returns its result needs one more.
_USABLE_STEPS = MAX_STEPS_PER_RUN - 1


def run_steps(pipeline: Pipeline, services: Services, assets: int, *, runs: int = 0) -> int:
    """Worst-case steps of a pipeline's (parent) run over `assets` slots.

    Inline (``runs=0``): ``validate`` (+ ``prompts``) + the terminal progress step, then
    ``R + 1`` rounds of every asset's steps with a persist and a progress step per chunk,
    one sleep before each follow-up round, and one retry of unrecorded results per round.
    Split into `runs` child runs per round: one ``step.invoke`` per child instead of the
    assets' steps.
    """
    _check_count("assets", assets)
    rounds = services.follow_up_rounds
    per_round = runs if runs else pipeline.round_steps(services, assets)
    return pipeline.fixed_steps() + (rounds + 1) * (per_round + 1) + rounds


def slice_steps(pipeline: Pipeline, services: Services, assets: int) -> int:
    """Worst-case steps of one child run over `assets` slots: ``load`` + one round."""
    return 1 + pipeline.round_steps(services, assets)


def step_count(pipeline: Pipeline, services: Services, assets: int) -> int:
    """Worst-case steps of the run that `plan_runs` lays out for `assets` slots."""
    size = plan_runs(pipeline, services, assets)
    if not size:
        return run_steps(pipeline, services, assets)
    return run_steps(pipeline, services, assets, runs=math.ceil(assets / size))


def plan_runs(pipeline: Pipeline, services: Services, assets: int) -> int:
    """How many slots each child run handles: 0 when they all fit in the run itself.

    A lecture that does not fit one run is split: the run invokes a child run per slice,
    each child under the step limit, and follows up as usual.

    Raises:
        inngest.NonRetriableError: ``LECTURE_TOO_LARGE``: even one child per largest slice
            would need more invokes than a run can make.
    """
    if assets == 0 or run_steps(pipeline, services, assets) <= _USABLE_STEPS:
        return 0
    size = _largest_slice(pipeline, services, assets)
    runs = math.ceil(assets / size) if size else 0
    if size == 0 or run_steps(pipeline, services, assets, runs=runs) > _USABLE_STEPS:
        raise inngest.NonRetriableError(
            f"LECTURE_TOO_LARGE: {pipeline.function_id} cannot make {assets:,} assets even "
            f"split across runs (one run may use {_USABLE_STEPS:,} steps; a child run of "
            f"{size:,} assets and {runs:,} of them per round is the most it can lay out): "
            "split the lecture into smaller lectures, or raise the chunk size"
        )
    # Balance the slices: as many runs as needed, each as full as the others.
    return math.ceil(assets / runs)


def _largest_slice(pipeline: Pipeline, services: Services, assets: int) -> int:
    low, high = 0, assets
    while low < high:
        mid = (low + high + 1) // 2
        if slice_steps(pipeline, services, mid) <= _USABLE_STEPS:
            low = mid
        else:
            high = mid - 1
    return low


def step_table() -> list[tuple[str, str, str]]:
    """``(function id, trigger, formula of one inline round)`` of every built-in pipeline."""
    # Imported here: the pipelines' modules use this one.
    from pipelines.functions import PIPELINES

    return [(p.function_id, p.trigger, p.formula()) for p in PIPELINES]


def output_size(output: object) -> int:
    """The bytes Inngest counts for a step's output, as its executor counts them.

    The SDK sends the output as compact JSON with non-ASCII characters escaped; the executor
    (``pkg/execution/state/opcode.go``, ``GeneratorOpcode.Output`` and ``Validate``) wraps
    it as ``{"data": <output>}`` with Go's ``json.Marshal``, which also escapes ``<``,
    ``>`` and ``&`` as ``\u003c``-style sequences, and refuses more than 4 MiB. Seen on
    the server: a wrapped size of exactly 4,194,304 bytes passes, one more byte fails, and
    699,049 ``<`` characters (1 byte each in Python's JSON, 6 in Go's) fail.
    """
    text = json.dumps({"data": output}, separators=(",", ":"))
    html = text.count("<") + text.count(">") + text.count("&")
    return len(text.encode("utf-8")) + 5 * html


def check_output_size(step_id: str, output: object) -> None:
    """Raise `inngest.NonRetriableError` when `output` would exceed the 4 MiB step limit.

    Only the ``validate`` step can grow with the lecture's text (it carries the segments to
    later steps); every other step returns small references, so only it is checked.
    """
    size = output_size(output)
    if size > MAX_STEP_OUTPUT_BYTES:
        raise inngest.NonRetriableError(
            f"LECTURE_TOO_LARGE: step {step_id!r} would return {size:,} bytes (as the "
            f'executor counts them, inside {{"data": ...}}), over Inngest\'s limit of '
            f"{MAX_STEP_OUTPUT_BYTES:,} bytes per step output: shorten the lecture's "
            "narration texts and visual briefs, or split the lecture"
        )


def steps_of_round_for(per_asset: list[int], assets: int, chunk_size: int) -> int:
    """`pipelines.kit.steps_of_round`, re-exported for callers of this module."""
    # Imported here: the kit uses this module.
    from pipelines.kit import steps_of_round

    return steps_of_round(per_asset, assets, chunk_size)


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
