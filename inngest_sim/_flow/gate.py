"""Concurrency limits, throttling and priority: the gate around every SDK request.

The run loop asks the gate before each request (``admit``) and tells it when the
request is over (``release``); the gate answers with the requests that may go now.
Two stages, as on the server:

* **throttle** holds a run's *start* (its first request) until the function's GCRA
  lets it through: FIFO, never dropped;
* **concurrency** holds any request while one of the run's limits is full. Only
  requests in flight use a slot, so a sleeping or waiting run holds none.

Held requests leave in queue order, as the server scores a queue item that is due
(``pkg/execution/queue/item.go`` ``QueueItem.Score``): the instant its *run* was created
minus the run's priority factor. The oldest run's work goes first ("prioritize finishing
older function runs"), and a run with priority ``N`` passes runs created up to ``N``
seconds before it (``Item.GetPriorityFactor``).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import math
from collections import Counter
from typing import TYPE_CHECKING

from inngest_sim._engine.ports import Admission
from inngest_sim.trace import RequestHeld, RunDelayed

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState, WorkItem

__all__ = ["FlowGate", "Gcra", "RunRules", "Throttled"]

EPSILON = 1e-6  # virtual instants are floats; "due now" must survive rounding
_SWEEP_MIN = 64  # a bucket's keys are not swept below this many


class Gcra:
    """The generic cell rate algorithm on virtual time, one bucket per key.

    ``limit`` per ``period`` seconds, evenly spaced (one per ``period / limit``),
    and up to ``capacity`` at one instant after a quiet spell.
    """

    def __init__(self, limit: int, period: float, capacity: int) -> None:
        self.interval = period / limit
        self.tolerance = self.interval * max(capacity, 1)
        self._tat: dict[Hashable, float] = {}  # theoretical arrival time per key
        self._sweep_at = _SWEEP_MIN  # keys held when expired ones are next looked for
        self._swept = -math.inf  # when they were last looked for

    def take(self, key: Hashable, now: float) -> float | None:
        """Pass one now (None), or give the instant the next one may pass."""
        new_tat = max(self._tat.get(key, now), now) + self.interval
        allow_at = new_tat - self.tolerance
        if allow_at > now + EPSILON:
            return allow_at
        self._tat[key] = new_tat
        if len(self._tat) >= self._sweep_at or now >= self._swept + self.tolerance:
            self._sweep(now)
        return None

    def _sweep(self, now: float) -> None:
        """Forget the keys whose arrival time has passed: a bucket at or before ``now``
        passes the next one exactly as a key never seen (``max(tat, now)`` is ``now``), so
        a key per event (a throttle or rate limit keyed by an id) does not stay for the
        server's life. Sweeping when the keys have doubled, or once per ``tolerance`` of
        time (by when every key taken before the last sweep has expired), keeps the cost
        per take constant and the keys to those of about the last ``tolerance``.
        """
        self._tat = {key: tat for key, tat in self._tat.items() if tat > now}
        self._sweep_at = max(_SWEEP_MIN, 2 * len(self._tat))
        self._swept = now

    def __len__(self) -> int:
        """Keys whose bucket is not yet empty, or not yet swept."""
        return len(self._tat)


@dataclasses.dataclass(frozen=True, slots=True)
class Throttled:
    """A run's throttle: the function's buckets and the run's key in them."""

    buckets: Gcra
    key: tuple[str, str | None]  # (function id, evaluated key)


@dataclasses.dataclass(frozen=True, slots=True)
class RunRules:
    """What the gate applies to one run, worked out when the run is created."""

    priority: int = 0
    slots: tuple[tuple[Hashable, int], ...] = ()  # (counter, limit)
    throttle: Throttled | None = None


NO_RULES = RunRules()


@dataclasses.dataclass(eq=False)
class _Held:
    score: float
    order: int
    item: WorkItem

    def sort_key(self) -> tuple[float, int]:
        return (self.score, self.order)


class FlowGate:
    """The run loop's gate for flow control (see the module docstring).

    Args:
        on_start: called once per run, when its first request is let through.
    """

    def __init__(self, on_start: Callable[[RunOps, RunState], None]) -> None:
        self.rules: dict[str, RunRules] = {}
        self._on_start = on_start
        self._order = itertools.count()
        self._held: list[_Held] = []  # waiting for a concurrency slot, in queue order
        self._throttled: dict[tuple[str, str | None], tuple[Throttled, list[_Held]]] = {}
        self._in_use: Counter[Hashable] = Counter()
        self._admitted: dict[WorkItem, tuple[Hashable, ...]] = {}

    # ------------------------------------------------------------ Gate API
    def admit(self, ops: RunOps, item: WorkItem) -> Admission:
        go: list[WorkItem] = []
        rules = self.rules.get(item.run.run_id, NO_RULES)
        held = _Held(self.score(ops, item), next(self._order), item)
        wake_at = None
        if rules.throttle is not None and _is_start(item):
            wake_at = self._throttle(ops, held, rules.throttle, go)
        else:
            self._enter(ops, held, rules, go)
        return Admission(tuple(go), wake_at)

    def release(self, ops: RunOps, item: WorkItem) -> Admission:
        counters = self._admitted.pop(item, None)
        if not counters:
            return Admission(())
        for counter in counters:
            # A counter back at zero goes: a concurrency key per event must not leave one
            # entry per key it ever had.
            self._in_use[counter] -= 1
            if self._in_use[counter] <= 0:
                del self._in_use[counter]
        # The freed slot is handed out once the answer's own follow-up work has been queued
        # at this instant (the server enqueues a run's next item before the finished one
        # leaves the queue), so an older run's next step can claim it.
        return Admission((), ops.clock.now())

    def wake(self, ops: RunOps) -> Admission:
        go: list[WorkItem] = []
        wakes = [self._pump_throttle(ops, key, go) for key in list(self._throttled)]
        self._pump(ops, go)
        return Admission(tuple(go), min((w for w in wakes if w is not None), default=None))

    def score(self, ops: RunOps, item: WorkItem) -> float:
        # The run's creation, moved by its priority factor (RunState.created_at: the run loop's).
        return item.run.created_at - self.rules.get(item.run.run_id, NO_RULES).priority

    def forget(self, run_id: str) -> None:
        """The run ended: its rules go; requests still in flight keep their slots."""
        self.rules.pop(run_id, None)

    # ------------------------------------------------------------ stages
    def _throttle(
        self, ops: RunOps, held: _Held, throttle: Throttled, go: list[WorkItem]
    ) -> float | None:
        _, queue = self._throttled.setdefault(throttle.key, (throttle, []))
        bisect.insort(queue, held, key=_Held.sort_key)
        wake_at = self._pump_throttle(ops, throttle.key, go)
        if held in queue:
            run = held.item.run
            ops.recorder.record(
                RunDelayed,
                function_id=run.spec.id,
                reason="throttle",
                key=throttle.key[1],
                run_id=run.run_id,
                event_id=run.event.get("id"),
            )
        return wake_at

    def _pump_throttle(
        self, ops: RunOps, key: tuple[str, str | None], go: list[WorkItem]
    ) -> float | None:
        """Let queued starts through while the bucket allows; when the next one may go."""
        throttle, queue = self._throttled[key]
        while queue:
            head = queue[0]
            if not head.item.run.running:
                queue.pop(0)
                continue
            allow_at = throttle.buckets.take(key, ops.clock.now())
            if allow_at is not None:
                return allow_at
            queue.pop(0)
            self._enter(ops, head, self.rules.get(head.item.run.run_id, NO_RULES), go)
        del self._throttled[key]  # nothing waits on this key: a key per event does not stay
        return None

    def _enter(self, ops: RunOps, held: _Held, rules: RunRules, go: list[WorkItem]) -> None:
        if not rules.slots:
            self._go(ops, held.item, (), go)
            return
        bisect.insort(self._held, held, key=_Held.sort_key)
        self._pump(ops, go)
        if any(h is held for h in self._held):
            ops.recorder.record(
                RequestHeld,
                run_id=held.item.run.run_id,
                step_id=held.item.step_id,
                attempt=held.item.attempt,
                keys=[_describe(counter) for counter, _ in rules.slots],
                priority=rules.priority,
            )

    def _pump(self, ops: RunOps, go: list[WorkItem]) -> None:
        """Admit held requests in queue order while their limits have room."""
        waiting: list[_Held] = []
        for held in self._held:
            run = held.item.run
            if not run.running:
                continue  # a cancelled run's request is dropped, never sent
            slots = self.rules.get(run.run_id, NO_RULES).slots
            if all(self._in_use[counter] < limit for counter, limit in slots):
                counters = tuple(counter for counter, _ in slots)
                self._in_use.update(counters)
                self._go(ops, held.item, counters, go)
            else:
                waiting.append(held)
        self._held = waiting

    def _go(
        self, ops: RunOps, item: WorkItem, counters: tuple[Hashable, ...], go: list[WorkItem]
    ) -> None:
        if counters:
            self._admitted[item] = counters
        if not item.run.started:
            item.run.started = True
            self._on_start(ops, item.run)
        go.append(item)


def _is_start(item: WorkItem) -> bool:
    return not item.run.started and item.is_discovery and item.attempt == 0


def _describe(counter: Hashable) -> str:
    """A counter as text for the trace: ``fn:<id>``, ``fn:<id>:<key>`` or ``env:<key>``."""
    parts = counter if isinstance(counter, tuple) else (counter,)
    return ":".join(str(p) for p in parts if p is not None)
