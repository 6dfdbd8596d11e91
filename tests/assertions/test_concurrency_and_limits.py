"""assert_max_concurrency, assert_chunked and assert_within_limits."""

from __future__ import annotations

import pytest

from inngest_sim import FaultPlan, InvalidArgument, Limits
from inngest_sim.assertions import (
    LimitUsage,
    assert_chunked,
    assert_max_concurrency,
    assert_within_limits,
)

from ._app import chunked, fanned, run, sequential
from ._traces import TraceBuilder


async def test_max_concurrency_passes_at_the_group_size_and_fails_below() -> None:
    result = await run(fanned, {"n": 3})
    assert_max_concurrency(result, 3)
    assert_max_concurrency(result, 3, pattern="image-*")

    with pytest.raises(AssertionError) as info:
        assert_max_concurrency(result, 2, pattern="image-*")
    message = str(info.value)
    assert "expected at most 2 step attempts matching 'image-*' at once" in message
    assert "but 3 overlapped; the widest group: image-0, image-1, image-2" in message
    assert "timeline of image-0, image-1, image-2:" in message


async def test_sequential_steps_never_overlap() -> None:
    assert_max_concurrency(await run(sequential), 1)


async def test_chunked_steps_pass_with_their_chunk_size() -> None:
    plan = FaultPlan()
    plan.raises(ConnectionError("down"), step="image-3", first=1)  # a retry is its own chunk
    result = await run(chunked, {"size": 2, "total": 6}, faults=plan)
    assert result.concurrent_groups("image-*") == [
        ["image-0", "image-1"],
        ["image-2", "image-3"],
        ["image-3"],
        ["image-4", "image-5"],
    ]
    assert_chunked(result, 2, pattern="image-*")
    assert_chunked(result, 3)


async def test_one_big_group_is_not_chunked() -> None:
    result = await run(fanned, {"n": 5})
    with pytest.raises(AssertionError) as info:
        assert_chunked(result, 2, pattern="image-*")
    message = str(info.value)
    assert "did not run in chunks of at most 2: chunk 1 ran 5 steps together" in message
    assert "  chunk 1: image-0, image-1, image-2, image-3, image-4" in message


async def test_chunks_smaller_than_asked_still_fail_a_tighter_size() -> None:
    result = await run(chunked, {"size": 3, "total": 6})
    assert_chunked(result, 3)
    with pytest.raises(AssertionError, match="chunk 1 ran 3 steps together"):
        assert_chunked(result, 2)


def test_a_chunk_that_starts_before_the_previous_one_ends_fails() -> None:
    # Two spans with virtual durations that do not overlap in time but interleave in
    # trace order: b's request went out before a's answer was handled.
    builder = TraceBuilder()
    a = builder.request("a")
    builder.at(1)
    b = builder.request("b")
    builder.respond(a, "a")
    builder.at(2)
    builder.respond(b, "b")
    result = builder.end()
    # Both spans take virtual time ([0, 1] and [1, 2]), so they count as separate chunks.
    assert result.concurrent_groups() == [["a"], ["b"]]
    with pytest.raises(AssertionError) as info:
        assert_chunked(result, 1)
    assert "'b' (chunk 2) started at seq 2, before 'a' (chunk 1) ended at seq 3" in str(info.value)


async def test_usage_within_the_limits_reads_as_a_margin() -> None:
    result = await run(chunked, {"size": 2, "total": 4})
    usage = assert_within_limits(result)
    assert usage == LimitUsage(4, 1000, result.state_bytes, 32 * 1024 * 1024)
    assert (
        str(usage) == f"steps 4/1000 (996 left), state {result.state_bytes} B/32 MiB (32 MiB left)"
    )
    assert usage.steps_left == 996


async def test_a_stricter_budget_than_the_simulators_fails_with_the_overrun() -> None:
    result = await run(chunked, {"size": 2, "total": 4})
    with pytest.raises(AssertionError) as info:
        assert_within_limits(result, Limits(max_steps=3, max_state_bytes=100))
    message = str(info.value)
    assert "(Completed) went over its limits: steps 4/3 (1 over), state " in message
    assert "/100 B (" in message
    assert "timeline:" in message


async def test_a_run_the_simulator_stopped_at_its_step_limit_fails() -> None:
    limits = Limits(max_steps=3)
    result = await run(chunked, {"size": 1, "total": 5}, limits=limits)
    assert result.status == "Failed"
    with pytest.raises(AssertionError) as info:
        assert_within_limits(result, limits)
    message = str(info.value)
    assert "went over its limits: steps 3/3 (0 left)" in message
    assert "InngestErrFunctionOverflowed: The function run exceeded the step limit of 3" in message


def test_byte_sizes_are_shown_in_binary_units() -> None:
    usage = LimitUsage(214, 1000, int(1.2 * 1024 * 1024), 32 * 1024 * 1024)
    assert str(usage) == "steps 214/1000 (786 left), state 1.2 MiB/32 MiB (30.8 MiB left)"
    assert "(2 KiB left)" in str(LimitUsage(0, 1, 1024, 3 * 1024))


async def test_bad_bounds_are_usage_errors() -> None:
    result = await run(sequential)
    with pytest.raises(InvalidArgument, match=r"k=-1 must be an int >= 0"):
        assert_max_concurrency(result, -1)
    with pytest.raises(InvalidArgument, match=r"size=0 must be an int >= 1"):
        assert_chunked(result, 0)
    with pytest.raises(AssertionError, match=r"matches 'video-\*'"):
        assert_max_concurrency(result, 1, pattern="video-*")
