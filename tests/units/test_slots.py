"""``OrderedSlots``: the bound on requests in flight, handed out in queue order."""

from __future__ import annotations

import pytest

from inngest_sim._engine.slots import OrderedSlots
from inngest_sim._errors import SimError


def test_free_slots_start_at_once_and_the_rest_wait() -> None:
    slots = OrderedSlots(2)
    started: list[str] = []
    for name, score in (("a", 5.0), ("b", 6.0), ("c", 7.0)):
        slots.enter(score, lambda name=name: started.append(name))
    assert started == ["a", "b"]
    assert (slots.free, slots.waiting) == (0, 1)


def test_a_freed_slot_goes_to_the_lowest_score_then_to_the_first_come() -> None:
    slots = OrderedSlots(1)
    started: list[str] = []
    slots.enter(0.0, lambda: started.append("holder"))
    # A newer run's first request, then an older run's next step, then two of one age.
    for name, score in (("new", 9.0), ("old", 1.0), ("tie-1", 5.0), ("tie-2", 5.0)):
        slots.enter(score, lambda name=name: started.append(name))
    for _ in range(4):
        slots.leave()
    assert started == ["holder", "old", "tie-1", "tie-2", "new"]
    slots.leave()
    assert (slots.free, slots.waiting) == (1, 0)


def test_leaving_a_slot_never_taken_is_a_bug_said_aloud() -> None:
    slots = OrderedSlots(1)
    with pytest.raises(SimError, match="never took"):
        slots.leave()
