"""Concurrency limits, throttling and priority: the gate around every SDK request.

The executor asks the gate before each request (``admit``) and tells it when the
request is over (``release``). Two stages, as on the server:

* **throttle** holds a run's *start* (its first request) until the function's GCRA
  lets it through: FIFO, never dropped;
* **concurrency** holds any request while one of the run's limits is full. Only
  requests in flight use a slot, so a sleeping or waiting run holds none.

Held requests leave in queue order: the instant they became due minus the run's
priority factor, so a run with priority ``N`` passes runs queued up to ``N``
seconds before it (the server's ``Item.GetPriorityFactor``).
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections import Counter
from typing import TYPE_CHECKING, ClassVar

from inngest_sim._trace import Record, _register

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from inngest_sim._executor import Executor
    from inngest_sim._run import RunState, WorkItem

__all__ = ["FlowGate", "Gcra", "RequestHeld", "RunDelayed", "RunRules", "Throttled"]

EPSILON = 1e-6  # virtual instants are floats; "due now" must survive rounding


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RunDelayed(Record):
    """A run (or the event that will start one) waits: throttle, debounce or batch."""

    kind: ClassVar[str] = "run_delayed"
    function_id: str
    reason: str
    key: str | None = None
    run_id: str | None = None
    event_id: str | None = None
    until: float | None = None  # None when it depends on the queue (throttle)


@_register
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RequestHeld(Record):
    """A request waits for a concurrency slot."""

    kind: ClassVar[str] = "request_held"
    run_id: str
    step_id: str
    attempt: int
    keys: list[str]
    priority: int


class Gcra:
    """The generic cell rate algorithm on virtual time, one bucket per key.

    ``limit`` per ``period`` seconds, evenly spaced (one per ``period / limit``),
    and up to ``capacity`` at one instant after a quiet spell.
    """

    def __init__(self, limit: int, period: float, capacity: int) -> None:
        self.interval = period / limit
        self.tolerance = self.interval * max(capacity, 1)
        self._tat: dict[Hashable, float] = {}  # theoretical arrival time per key

    def take(self, key: Hashable, now: float) -> float | None:
        """Pass one now (None), or give the instant the next one may pass."""
        new_tat = max(self._tat.get(key, now), now) + self.interval
        allow_at = new_tat - self.tolerance
        if allow_at > now + EPSILON:
            return allow_at
        self._tat[key] = new_tat
        return None


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
    """The executor's :class:`~inngest_sim._executor.Gate` for flow control."""

    def __init__(self, executor: Executor, on_start: Callable[[RunState], None]) -> None:
        self.executor = executor
        self.rules: dict[str, RunRules] = {}
        self._on_start = on_start
        self._order = itertools.count()
        self._held: list[_Held] = []  # waiting for a concurrency slot, in queue order
        self._throttled: dict[tuple[str, str | None], list[_Held]] = {}
        self._wakeups: dict[tuple[str, str | None], float] = {}
        self._in_use: Counter[Hashable] = Counter()
        self._admitted: dict[WorkItem, tuple[Hashable, ...]] = {}
        self._started: set[str] = set()
        self._current: WorkItem | None = None
        self._current_admitted = False

    # ------------------------------------------------------------ Gate API
    def admit(self, item: WorkItem) -> bool:
        self._current, self._current_admitted = item, False
        try:
            rules = self.rules.get(item.run.run_id, NO_RULES)
            held = _Held(self._now() - rules.priority, next(self._order), item)
            if rules.throttle is not None and self._is_start(item):
                self._throttle(held, rules.throttle)
            else:
                self._enter(held, rules)
            return self._current_admitted
        finally:
            self._current = None

    def release(self, item: WorkItem) -> None:
        counters = self._admitted.pop(item, None)
        if counters:
            self._in_use.subtract(counters)
            self._pump()

    def has_started(self, run: RunState) -> bool:
        """Whether a request of ``run`` has been let through (its first SDK call)."""
        return run.run_id in self._started

    def forget(self, run_id: str) -> None:
        """The run ended: its rules go; requests still in flight keep their slots."""
        self.rules.pop(run_id, None)
        self._started.discard(run_id)

    # ------------------------------------------------------------ stages
    def _now(self) -> float:
        return self.executor.clock.now()

    def _is_start(self, item: WorkItem) -> bool:
        return item.run.run_id not in self._started and item.is_discovery and item.attempt == 0

    def _throttle(self, held: _Held, throttle: Throttled) -> None:
        queue = self._throttled.setdefault(throttle.key, [])
        bisect.insort(queue, held, key=_Held.sort_key)
        self._pump_throttle(throttle)
        if held in queue:
            run = held.item.run
            self.executor.record(
                RunDelayed,
                function_id=run.spec.id,
                reason="throttle",
                key=throttle.key[1],
                run_id=run.run_id,
                event_id=run.event.get("id"),
            )

    def _pump_throttle(self, throttle: Throttled) -> None:
        queue = self._throttled.get(throttle.key, [])
        while queue:
            head = queue[0]
            if not head.item.run.running:
                queue.pop(0)
                continue
            allow_at = throttle.buckets.take(throttle.key, self._now())
            if allow_at is not None:
                self._wake_at(throttle, allow_at)
                return
            queue.pop(0)
            self._enter(head, self.rules.get(head.item.run.run_id, NO_RULES))

    def _wake_at(self, throttle: Throttled, when: float) -> None:
        if self._wakeups.get(throttle.key) == when:
            return

        def wake() -> None:
            if self._wakeups.get(throttle.key) == when:
                del self._wakeups[throttle.key]
                self._pump_throttle(throttle)

        self._wakeups[throttle.key] = when
        self.executor.scheduler.call_at(when, wake)

    def _enter(self, held: _Held, rules: RunRules) -> None:
        if not rules.slots:
            self._go(held.item, ())
            return
        bisect.insort(self._held, held, key=_Held.sort_key)
        self._pump()
        if any(h is held for h in self._held):
            self.executor.record(
                RequestHeld,
                run_id=held.item.run.run_id,
                step_id=held.item.step_id,
                attempt=held.item.attempt,
                keys=[_describe(counter) for counter, _ in rules.slots],
                priority=rules.priority,
            )

    def _pump(self) -> None:
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
                self._go(held.item, counters)
            else:
                waiting.append(held)
        self._held = waiting

    def _go(self, item: WorkItem, counters: tuple[Hashable, ...]) -> None:
        if counters:
            self._admitted[item] = counters
        if item.run.run_id not in self._started:
            self._started.add(item.run.run_id)
            self._on_start(item.run)
        if item is self._current:
            self._current_admitted = True
        else:
            self.executor.start_now(item)


def _describe(counter: Hashable) -> str:
    """A counter as text for the trace: ``fn:<id>``, ``fn:<id>:<key>`` or ``env:<key>``."""
    parts = counter if isinstance(counter, tuple) else (counter,)
    return ":".join(str(p) for p in parts if p is not None)
