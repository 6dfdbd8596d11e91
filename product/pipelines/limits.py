"""Inngest run limits and the step count of each pipeline, as pure functions.

Inngest counts every `step.run`, every `step.sleep` and every progress-publish step (itself a
`step.run`, including the terminal ``progress-*-done``); the function's final return is not
a step. A run that would plan its 1,001st step
fails mid-way (and one with exactly 1,000 steps cannot make the call that returns its
result), so each function's ``validate`` step calls `check_step_budget` with the
worst-case count below and refuses the lecture before any provider call.

Symbols: S segments, I images per segment, C chunk size, P maximum video polls.
"""

from __future__ import annotations

import json
import math

import inngest

__all__ = [
    "IMAGES_FORMULA",
    "MAX_RUN_STATE_BYTES",
    "MAX_STEPS_PER_RUN",
    "MAX_STEP_OUTPUT_BYTES",
    "MUSIC_FORMULA",
    "NARRATION_FORMULA",
    "VIDEOS_FORMULA",
    "check_output_size",
    "check_step_budget",
    "step_count_images",
    "step_count_music",
    "step_count_narration",
    "step_count_videos",
]

MAX_STEPS_PER_RUN = 1_000
MAX_STEP_OUTPUT_BYTES = 4 * 1024 * 1024
MAX_RUN_STATE_BYTES = 32 * 1024 * 1024

IMAGES_FORMULA = "4 + S*I + ceil(S*I/C)"
NARRATION_FORMULA = "3 + S + ceil(S/C)"
MUSIC_FORMULA = "5 + 2*P"
VIDEOS_FORMULA = "4 + 2*S + 2*S*P + 2*ceil(S/C)"


def step_count_images(segments: int, images_per_segment: int, chunk_size: int) -> int:
    """Worst-case steps of ``generate-segment-images``: ``4 + S*I + ceil(S*I/C)``.

    validate + prompts + one ``image-{s}-{i}`` per image + one progress step per chunk +
    persist-images + progress-images-done.
    """
    _check_counts(segments=segments, images_per_segment=images_per_segment)
    assets = segments * images_per_segment
    return 4 + assets + _chunks(assets, chunk_size)


def step_count_narration(segments: int, chunk_size: int) -> int:
    """Worst-case steps of ``generate-narration``: ``3 + S + ceil(S/C)``.

    validate + one ``narration-{s}`` per segment + one progress step per chunk +
    persist-narration + progress-narration-done (the narration text is the prompt, so there
    is no prompts step).
    """
    _check_counts(segments=segments)
    return 3 + segments + _chunks(segments, chunk_size)


def step_count_music(max_polls: int) -> int:
    """Worst-case steps of ``generate-music``: ``5 + 2*P``.

    validate + music-start + P pairs of ``music-wait`` sleep + ``music-poll`` +
    progress-music-0 + persist-music + progress-music-done.
    """
    _check_counts(max_polls=max_polls)
    return 5 + 2 * max_polls


def step_count_videos(segments: int, chunk_size: int, max_polls: int) -> int:
    """Worst-case steps of ``generate-segment-videos``: ``4 + 2*S + 2*S*P + 2*ceil(S/C)``.

    validate + prompts + per segment (``start-image``, ``video-start``, and P pairs of
    ``video-wait`` sleep + ``video-poll``) + one progress step per chunk in each of the two
    phases + persist-videos + progress-videos-done.
    """
    _check_counts(segments=segments, max_polls=max_polls)
    per_segment = 2 + 2 * max_polls
    return 4 + segments * per_segment + 2 * _chunks(segments, chunk_size)


def check_step_budget(function_id: str, formula: str, count: int, values: str) -> None:
    """Raise `inngest.NonRetriableError` unless `count` steps fit in one run.

    Inngest checks the step count before every call to the SDK and refuses the call
    once `MAX_STEPS_PER_RUN` steps are saved. The call that returns the function's
    result comes after the last step, so a run can use at most 999 steps.

    Args:
        function_id: The Inngest function id, for the message.
        formula: The step-count formula, e.g. `IMAGES_FORMULA`.
        count: The formula's value for this lecture.
        values: The symbol values, e.g. ``"S=600, I=2, C=5"``.
    """
    if count < MAX_STEPS_PER_RUN:
        return
    raise inngest.NonRetriableError(
        f"{function_id} would need {count:,} steps ({formula} with {values}); Inngest's "
        f"limit of {MAX_STEPS_PER_RUN:,} steps per run leaves room for at most "
        f"{MAX_STEPS_PER_RUN - 1:,} (the call that returns the result needs one more). "
        "Split the lecture into smaller "
        "lectures, or raise the chunk size / lower images per segment or max polls."
    )


def check_output_size(step_id: str, output: object) -> None:
    """Raise `inngest.NonRetriableError` when `output` would exceed the 4 MiB step limit.

    Only the ``validate`` step can grow with the lecture's text (it carries the segments to
    later steps); every other step returns small references, so only it is checked.
    """
    size = len(json.dumps(output, separators=(",", ":")).encode("utf-8"))
    if size > MAX_STEP_OUTPUT_BYTES:
        raise inngest.NonRetriableError(
            f"step {step_id!r} would return {size:,} bytes, over Inngest's limit of "
            f"{MAX_STEP_OUTPUT_BYTES:,} bytes per step output: shorten the lecture's narration "
            "texts and visual briefs, or split the lecture"
        )


def _chunks(items: int, chunk_size: int) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    return math.ceil(items / chunk_size)


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
