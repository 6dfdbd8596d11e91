"""Step counts come from the pipelines' declarations; the docs' table is checked against them."""

from __future__ import annotations

import datetime
import json
import math
from pathlib import Path

import inngest
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import Services, limits
from pipelines.functions import IMAGES, MUSIC, NARRATION, PIPELINES, VIDEOS

DOC = Path(__file__).resolve().parents[1] / "docs" / "error-handling.md"


@pytest.fixture
def inline(tmp_path: Path) -> Services:
    """Services without follow-up rounds: one round per run."""
    return Services.local(tmp_path, follow_up_delays=())


def test_one_round_counts(inline: Services) -> None:
    # validate + prompts + done, then 12 images + a persist and a progress step per chunk
    # of 5 (3 chunks) + one retry of unrecorded results
    assert limits.run_steps(IMAGES, inline, 12) == 3 + 12 + 2 * 3 + 1 == 22
    # validate + done, 6 narrations, 2 chunks, the retry step
    assert limits.run_steps(NARRATION, inline, 6) == 2 + 6 + 2 * 2 + 1 == 13
    # validate + done, music-start + 10*(wait+poll), one chunk, the retry step
    assert limits.run_steps(MUSIC, inline, 1) == 2 + 21 + 2 + 1 == 26
    # validate + prompts + done, 6 starting images (2 chunks), 6 renders of 21 (2 chunks)
    assert limits.run_steps(VIDEOS, inline, 6) == 3 + 6 + 4 + 6 * 21 + 4 + 1 == 144


def test_follow_up_rounds_repeat_the_round(tmp_path: Path) -> None:
    two = Services.local(tmp_path, follow_up_delays=(datetime.timedelta(minutes=5),) * 2)
    one_round = IMAGES.round_steps(two, 12) + 1
    # each follow-up round: a sleep, then the round again
    assert limits.run_steps(IMAGES, two, 12) == 3 + 3 * one_round + 2


@settings(derandomize=True, database=None, deadline=None)
@given(n=st.integers(0, 3_000), c=st.integers(1, 100))
def test_one_phase_round_is_assets_plus_two_steps_per_chunk(n: int, c: int) -> None:
    assert limits.steps_of_round_for([1], n, c) == n + 2 * math.ceil(n / c)


def test_output_size_counts_what_the_executor_counts() -> None:
    # The executor measures {"data": <output>} (pkg/execution/state/opcode.go): 9 bytes
    # more than the bare value. On the server (inngest dev, this session): 4,194,293 "x"
    # (wrapped: 4,194,304 bytes) completed; 4,194,294 failed with "step output size is
    # greater than the limit".
    fits, over = "x" * 4_194_293, "x" * 4_194_294
    assert limits.output_size(fits) == limits.MAX_STEP_OUTPUT_BYTES
    limits.check_output_size("validate", fits)
    assert len(json.dumps(over)) == 4_194_296  # the bare value the old check measured
    with pytest.raises(inngest.NonRetriableError, match=r"LECTURE_TOO_LARGE.*4,194,305 bytes"):
        limits.check_output_size("validate", over)
    # Go's json.Marshal escapes <, > and & (6 bytes each): 699,048 "<" completed on the
    # server and 699,049 failed, as did 699,049 "&"; non-ASCII is escaped by the SDK.
    assert limits.output_size("<" * 699_048) == 4_194_299
    assert limits.output_size("<" * 699_049) == limits.output_size("&" * 699_049) == 4_194_305
    assert limits.output_size("é") == len('{"data":"\\u00e9"}')


def test_a_long_lecture_is_split_and_each_child_fits(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    size = limits.plan_runs(VIDEOS, services, 200)
    assert 0 < size < 200
    # images: 400 of them fit one child, but not one run with its follow-up rounds
    assert limits.plan_runs(IMAGES, services, 400) == 400
    assert limits.step_count(IMAGES, services, 400) == 3 + 3 * (1 + 1) + 2
    assert limits.slice_steps(VIDEOS, services, size) <= limits.MAX_STEPS_PER_RUN - 1
    runs = math.ceil(200 / size)
    assert limits.run_steps(VIDEOS, services, 200, runs=runs) <= limits.MAX_STEPS_PER_RUN - 1
    assert limits.step_count(VIDEOS, services, 200) == limits.run_steps(
        VIDEOS, services, 200, runs=runs
    )
    # what fits stays in one run
    assert limits.plan_runs(NARRATION, services, 10) == 0


def test_a_lecture_too_large_even_for_splitting_is_refused(tmp_path: Path) -> None:
    services = Services.local(tmp_path)
    with pytest.raises(inngest.NonRetriableError, match="LECTURE_TOO_LARGE") as info:
        limits.plan_runs(VIDEOS, services, 200_000)
    assert "split the lecture" in str(info.value)


def test_the_documented_table_is_the_computed_one(tmp_path: Path) -> None:
    """docs/error-handling.md's step table states the declarations' formulas, and the
    largest lecture one run holds without splitting (default knobs)."""
    services = Services.local(tmp_path)
    expected = {}
    for pipeline in PIPELINES:
        per_slot = len(pipeline.slots(_lecture(1), services))
        fits = [
            s for s in range(1, 1_000) if limits.run_steps(pipeline, services, s * per_slot) <= 999
        ]
        largest = "any" if pipeline is MUSIC else str(max(fits))
        expected[pipeline.function_id] = (pipeline.formula(), largest)
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if cells and cells[0] in expected and len(cells) == 3:
            rows[cells[0]] = (cells[1], cells[2])
    assert rows == expected
    assert [row[2] for row in limits.step_table()] == [e[0] for e in expected.values()]


def _lecture(segments: int) -> object:
    from pipelines.models import Lecture, Segment

    return Lecture("l", "u", "t", tuple(Segment(i, "n", "b") for i in range(segments)))
