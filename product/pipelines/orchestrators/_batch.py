"""Bounded-concurrency fan-out for callers outside Inngest."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypeVar

from pipelines._validation import check_positive_int

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

__all__ = ["batch_with_concurrency"]

T = TypeVar("T")
R = TypeVar("R")


async def batch_with_concurrency(
    items: Sequence[T],
    worker: Callable[[T], Awaitable[R]],
    *,
    concurrency: int,
) -> list[R]:
    """Run `worker` over `items` with at most `concurrency` calls in flight.

    Results come back in the order of `items`. If a worker raises, the calls still running
    are cancelled and the exception propagates; workers that must not stop the batch should
    return their failures instead of raising.

    Args:
        items: The inputs.
        worker: An async function of one input.
        concurrency: The maximum number of concurrent calls (>= 1).
    """
    check_positive_int("concurrency", concurrency)
    semaphore = asyncio.Semaphore(concurrency)

    async def run(item: T) -> R:
        async with semaphore:
            return await worker(item)

    tasks = [asyncio.ensure_future(run(item)) for item in items]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
