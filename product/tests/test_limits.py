from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import inngest
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import limits
from pipelines.limits import (
    check_output_size,
    check_step_budget,
    step_count_images,
    step_count_music,
    step_count_narration,
    step_count_videos,
)


def test_documented_examples() -> None:
    # 6 segments, 2 images, chunks of 5: validate + prompts + 12 images + 3 progress + persist
    # + the terminal progress message
    assert step_count_images(6, 2, 5) == 19
    # validate + 6 narrations + 2 progress + persist + done
    assert step_count_narration(6, 5) == 11
    # validate + music-start + 10*(wait+poll) + progress + persist + done
    assert step_count_music(10) == 25
    # validate + prompts + 6*(start-image + video-start + 10*(wait+poll)) + 2*2 progress
    # + persist + done
    assert step_count_videos(6, 5, 10) == 4 + 6 * 22 + 4 == 140


@settings(derandomize=True, database=None)
@given(s=st.integers(0, 2_000), i=st.integers(1, 10), c=st.integers(1, 100), p=st.integers(1, 50))
def test_formulas_match_their_definitions(s: int, i: int, c: int, p: int) -> None:
    assert step_count_images(s, i, c) == 4 + s * i + math.ceil(s * i / c)
    assert step_count_narration(s, c) == 3 + s + math.ceil(s / c)
    assert step_count_music(p) == 5 + 2 * p
    assert step_count_videos(s, c, p) == 4 + 2 * s + 2 * s * p + 2 * math.ceil(s / c)


@settings(derandomize=True, database=None)
@given(s=st.integers(0, 500), c=st.integers(1, 20))
def test_counts_grow_with_segments(s: int, c: int) -> None:
    assert step_count_images(s + 1, 2, c) > step_count_images(s, 2, c)
    assert step_count_videos(s + 1, c, 3) > step_count_videos(s, c, 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: step_count_images(-1, 2, 5), "segments must be an integer >= 0"),
        (lambda: step_count_images(1, 2, 0), "chunk_size must be an integer >= 1"),
        (lambda: step_count_narration(True, 5), "segments must be"),
        (lambda: step_count_videos(1, 5, -1), "max_polls must be"),
    ],
)
def test_bad_arguments(call: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_budget_leaves_room_for_the_final_call() -> None:
    check_step_budget("f", "x", limits.MAX_STEPS_PER_RUN - 1, "S=1")
    # 1,000 steps fail on Inngest: the request that would return the result is refused.
    with pytest.raises(inngest.NonRetriableError, match="at most 999"):
        check_step_budget("f", "x", limits.MAX_STEPS_PER_RUN, "S=1")
    with pytest.raises(inngest.NonRetriableError) as info:
        check_step_budget(
            "generate-segment-images", limits.IMAGES_FORMULA, 1_205, "S=600, I=2, C=5"
        )
    message = str(info.value)
    assert "1,205 steps" in message
    assert "4 + S*I + ceil(S*I/C)" in message
    assert "S=600, I=2, C=5" in message
    assert "1,000" in message


def test_output_size_check() -> None:
    check_output_size("validate", {"text": "x" * 1000})
    with pytest.raises(inngest.NonRetriableError, match="over Inngest's limit of 4,194,304 bytes"):
        check_output_size("validate", {"text": "x" * limits.MAX_STEP_OUTPUT_BYTES})


def _largest(count: Callable[[int], int]) -> int:
    """The most segments one run accepts: the largest S whose count passes the budget."""
    return max(s for s in range(2_000) if count(s) < limits.MAX_STEPS_PER_RUN)


def test_the_documented_largest_lectures_are_the_computed_ones() -> None:
    """docs/error-handling.md's limits table must state what check_step_budget enforces
    (it once said 831 narration segments where 830 is the largest accepted)."""
    computed = {
        "generate-segment-images": str(_largest(lambda s: step_count_images(s, 2, 5))),
        "generate-narration": str(_largest(lambda s: step_count_narration(s, 5))),
        "generate-music": "any",
        "generate-segment-videos": str(_largest(lambda s: step_count_videos(s, 5, 10))),
    }
    examples = {
        "generate-segment-images": str(step_count_images(6, 2, 5)),
        "generate-narration": str(step_count_narration(6, 5)),
        "generate-music": str(step_count_music(10)),
        "generate-segment-videos": str(step_count_videos(6, 5, 10)),
    }
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in computed and len(cells) == 5:
            rows[cells[0]] = (cells[3], cells[4])
    assert rows == {fn: (examples[fn], computed[fn]) for fn in computed}


DOC = Path(__file__).resolve().parents[1] / "docs" / "error-handling.md"
