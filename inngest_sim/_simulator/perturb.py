"""Replay under another world: a later wall clock, fresh randomness.

A replay a moment after the run sees the same time and, in a test that seeded
``random``, often the same numbers; a run resumed in production hours later does not.
Code outside steps that branches on them takes the same path in a quick replay and
another one in production. ``check_replay`` replays every prefix again inside each of
these worlds and compares the steps the SDK reports with the original run's.

Only code that runs in this process is moved (the in-process backends); the
environment is not changed: which variables code reads cannot be known from outside.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
import time
from typing import TYPE_CHECKING

import time_machine

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["WORLDS", "World", "pinned_random"]


@dataclasses.dataclass(frozen=True, slots=True)
class World:
    """One way the world differs when a run resumes: how to enter it, and what it means."""

    name: str
    enter: Callable[[], contextlib.AbstractContextManager[None]]
    reads: str
    fix: str


@contextlib.contextmanager
def _later(seconds: float) -> Iterator[None]:
    # time.time() is whatever the code sees now (virtual, under freeze_time): move that on.
    with time_machine.travel(dt.datetime.fromtimestamp(time.time() + seconds, dt.UTC), tick=False):
        yield


@contextlib.contextmanager
def pinned_random(state: object) -> Iterator[None]:
    """``random`` set to ``state`` for the block, then back where it was.

    The world checks replay with the same random numbers every time, so a path that
    changes is the world's doing, and one that changes with nothing moved is told apart.
    """
    before = random.getstate()
    random.setstate(state)  # type: ignore[arg-type]
    try:
        yield
    finally:
        random.setstate(before)


@contextlib.contextmanager
def _fresh_random() -> Iterator[None]:
    state = random.getstate()
    random.seed(random.SystemRandom().getrandbits(64))
    try:
        yield
    finally:
        random.setstate(state)


_READ_TIME = (
    "code outside steps reads the time",
    "read it inside a step (now = await ctx.step.run('now', lambda: time.time())) so a "
    "replay sees the saved value",
)
WORLDS = (
    World("the wall clock 13 hours later", lambda: _later(13 * 3600), *_READ_TIME),
    World("the wall clock 32 days later", lambda: _later(32 * 86400), *_READ_TIME),
    World(
        "fresh randomness (random reseeded)",
        _fresh_random,
        "code outside steps draws random numbers",
        "draw them inside a step, or seed them from the event",
    ),
)
