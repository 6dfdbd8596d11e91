"""Flow control: whether, when and with which events a function's run starts.

``FlowControl.schedule`` is where an event becomes a run. It applies the
function's options in the server's order (executor-semantics.md section 4), except
that a repeated event id is caught first: event id → rate limit / idempotency →
batching or debounce → singleton → the run is created.

Every run, however it was created (event, ``Simulator.run``, invoke, cron), then
gets its priority, concurrency slots, throttle and timeouts when it starts
(``FlowControl.run_started``); the ``.gate.FlowGate`` enforces them per
request. Each decision is a record in the trace.
"""

from __future__ import annotations

import collections
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from inngest_sim._flow.cron import CronSchedules
from inngest_sim._flow.gate import FlowGate, Gcra, RunRules, Throttled
from inngest_sim._flow.policy import (
    Policy,
    RatePolicy,
    SingletonPolicy,
    parse_policy,
    priority_factor,
)
from inngest_sim._protocol import json_size
from inngest_sim._server.cel_inngest import go_text
from inngest_sim.trace import RunBatched, RunDelayed, RunSkipped

if TYPE_CHECKING:
    from collections.abc import Hashable

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._engine.scheduler import Timer
    from inngest_sim._server.cel import Expression
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["FlowControl"]

EVENT_ID_WINDOW = 86400.0  # a repeated event id starts no new run for 24h
# ...but joins a batch again after 30 minutes (batch/redis.go defaultEventIdempotenceSetTTL:
# a batched run is keyed by its batch, each event by a 30-minute SET NX in append.lua).
BATCH_EVENT_ID_WINDOW = 1800.0
MAX_BATCH_BYTES = 10 * 1024 * 1024
DEBOUNCE_BUFFER = 1.05  # debounce.go: the job is enqueued at ttl + buffer (50 ms) + 1 s


@dataclasses.dataclass(eq=False)
class _Pending:
    """Events waiting for a debounce or a batch to close."""

    events: list[dict[str, Any]]
    first_at: float
    deadline: float  # a batch's timeout; the end of a debounce's window for more events
    key: str | None
    timer: Timer | None = None  # cancelled when the slot closes or is superseded
    done: bool = False  # closed or superseded: its timer does nothing
    size: int = 0  # a batch's events' JSON bytes, counted as each joins


class FlowControl:
    """Applies every function's flow-control options; one per simulator.

    Reads and checks every function's options when it is built (``InvalidArgument``
    for options the server would reject), then gives the run loop its gate
    (``gate``) and listens to every run's start and end.
    """

    def __init__(self, registry: Registry, *, seed: int) -> None:
        self.policies = {spec.id: parse_policy(spec) for spec in registry}
        # The spec each policy was read from: a function synced again (inngest-sim dev)
        # gets its new options.
        self._read_from = {spec.id: spec for spec in registry}
        self._registry = registry
        self.gate = FlowGate(on_start=self._first_request)
        self.cron = CronSchedules(registry, seed=seed, schedule=self._schedule_cron)
        self._buckets: dict[tuple[str, str], Gcra] = {}  # (function id, option)
        # (function id, event id) -> (first seen, its run), oldest first: entries past the
        # 24h window are forgotten as events arrive, so a long-lived server does not keep
        # every event id, and every run, it ever saw.
        self._seen: collections.OrderedDict[tuple[str, str], tuple[float, RunState | None]] = (
            collections.OrderedDict()
        )
        self._pending: dict[tuple[str, str, str | None], _Pending] = {}
        self._singletons: dict[tuple[str, str | None], RunState] = {}

    def policy(self, spec: FunctionSpec) -> Policy:
        if self._read_from.get(spec.id) is not spec:
            if len(self._read_from) > len(self._registry):
                self._forget_policies()  # some are of functions no longer served
            self.policies[spec.id] = parse_policy(spec)
            self._read_from[spec.id] = spec
        return self.policies[spec.id]

    def _forget_policies(self) -> None:
        """Drop the policies of functions no longer served (apps of a long-lived dev server
        sync other functions in): they are read again from a run's spec if one still
        needs them. Once per sync that took functions away: after it, every policy kept is
        of a served function, so no more are dropped until functions leave again."""
        served = {spec.id for spec in self._registry}
        for fn_id in [fn_id for fn_id in self._read_from if fn_id not in served]:
            del self._read_from[fn_id]
            self.policies.pop(fn_id, None)

    def _gcra(self, fn_id: str, rate: RatePolicy, capacity: int) -> Gcra:
        """The function's GCRA buckets for ``rate``, made on first use."""
        slot = (fn_id, rate.option)
        if slot not in self._buckets:
            self._buckets[slot] = Gcra(rate.limit, rate.period, capacity)
        return self._buckets[slot]

    # -------------------------------------------------------- scheduling
    def _schedule_cron(
        self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]
    ) -> RunState | None:
        # service.go handleCron calls the executor's Schedule directly: no batching, which
        # the runner applies to events ("should this also handle batching ... kinda weird").
        return self.schedule(ops, spec, event, batch=False)

    def schedule(
        self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any], *, batch: bool = True
    ) -> RunState | None:
        """An event for ``spec`` arrived: the run it starts now, or None (later or never)."""
        policy = self.policy(spec)
        self._forget_seen(ops.clock.now())
        if self._repeated(ops, spec, event, batched=policy.batch is not None and batch):
            _, run = self._seen[(spec.id, str(event["id"]))]
            return run  # the server answers a duplicate with the existing run
        if not self._within_rate_limit(ops, spec, policy, event):
            return None  # a rate-limited event does not use up its id
        if event.get("id"):
            seen = (spec.id, str(event["id"]))
            self._seen.pop(seen, None)  # seen again after its window: it goes last
            self._seen[seen] = (ops.clock.now(), None)
        if policy.batch is not None and batch:
            return self._add_to_batch(ops, spec, policy, event)
        if policy.debounce is not None:
            self._debounce(ops, spec, policy, event)
            return None
        # executor.go schedule(): "Schedule functions in the future if there's a future
        # event `ts` field" -- the run exists now, its first request waits for `ts`.
        ts = event.get("ts")
        delay = ts / 1000 - ops.clock.now() if isinstance(ts, int | float) else 0.0
        return self._create(ops, spec, [event], delay=max(delay, 0.0))

    def admits_invoke(self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any]) -> bool:
        """Whether an invoke of ``spec`` may start a run: the child's rate limit applies, as
        the server schedules an invoke event like any other (runner.go Initialize)."""
        return self._within_rate_limit(ops, spec, self.policy(spec), event)

    def _forget_seen(self, now: float) -> None:
        while self._seen:
            oldest = next(iter(self._seen.values()))
            if now - oldest[0] < EVENT_ID_WINDOW:
                return
            self._seen.popitem(last=False)

    def _repeated(
        self, ops: RunOps, spec: FunctionSpec, event: dict[str, Any], *, batched: bool
    ) -> bool:
        event_id, now = event.get("id"), ops.clock.now()
        if not event_id:
            return False
        seen = self._seen.get((spec.id, str(event_id)))
        window = BATCH_EVENT_ID_WINDOW if batched else EVENT_ID_WINDOW
        if seen is not None and now - seen[0] < window:
            span = "30 minutes" if batched else "24h"
            message = f"an event with this id started (or joined) a run in the last {span}"
            self._skip(ops, spec, event, "event_id", str(event_id), message)
            return True
        return False

    def _within_rate_limit(
        self, ops: RunOps, spec: FunctionSpec, policy: Policy, event: dict[str, Any]
    ) -> bool:
        rate = policy.rate_limit
        if rate is None:
            return True
        reason = "idempotency" if rate.option == "idempotency" else "rate_limit"
        value = None if rate.key is None else rate.key.evaluate({"event": event})
        if value is False:
            return True  # ratelimit.go RateLimitKey: a false key is ErrNotRateLimited
        key = None if rate.key is None else _key_text(value)
        if rate.key is not None and value is None:
            # executor constraints: any other RateLimitKey error stops the run (the server
            # logs this text; seen there for a key int(event.data.x) with x = "abc").
            message = (
                "could not get rate limit key: rate limit expression evaluation failed "
                f"({rate.key.source!r})"
            )
            self._skip(ops, spec, event, reason, key, message)
            return False
        now = ops.clock.now()
        # The server's rate-limit GCRA lets `burst + 1` through at once.
        allow_at = self._gcra(spec.id, rate, rate.burst + 1).take(key, now)
        if allow_at is None:
            return True
        message = f"{rate.option} allows the next run for key {key!r} in {allow_at - now:g}s"
        self._skip(ops, spec, event, reason, key, message)
        return False

    def _skip(
        self,
        ops: RunOps,
        spec: FunctionSpec,
        event: dict[str, Any],
        reason: str,
        key: str | None,
        message: str,
    ) -> None:
        ops.recorder.record(
            RunSkipped,
            function_id=spec.id,
            event_id=event.get("id"),
            reason=reason,
            key=key,
            message=message,
        )

    # ---------------------------------------------------- debounce, batch
    def _debounce(
        self, ops: RunOps, spec: FunctionSpec, policy: Policy, event: dict[str, Any]
    ) -> None:
        """Start (or push back) the debounce of this key; the event with the latest ``ts`` wins.

        As ``lua/debounce/updateDebounce.lua``: an event older (by ``ts``) than the one held
        changes nothing, not even the deadline. Events join until the period (or timeout)
        ends; the run starts ``DEBOUNCE_BUFFER`` later, when the server's debounce job is due
        (debounce.go: ttl + 50 ms + 1 s).
        """
        debounce = policy.debounce
        assert debounce is not None
        key = _key(debounce.key, event)
        slot = (spec.id, "debounce", key)
        now = ops.clock.now()
        pending = self._pending.get(slot)
        if pending is not None and now >= pending.deadline:
            # The server's key pointer has expired: the held run still starts at its time,
            # and this event opens a new debounce.
            del self._pending[slot]
            pending = None
        if pending is not None and _ts(pending.events[0]) > _ts(event):
            message = "the event debounced for this key has a later ts; this one is dropped"
            self._skip(ops, spec, event, "debounce", key, message)
            return
        first_at = pending.first_at if pending else now
        deadline = now + debounce.period
        if debounce.timeout is not None:
            deadline = min(deadline, first_at + debounce.timeout)
        if pending is not None:
            pending.done = True  # superseded
            if pending.timer is not None:
                pending.timer.cancel()
        fresh = _Pending([event], first_at, deadline, key)
        self._pending[slot] = fresh
        starts_at = deadline + DEBOUNCE_BUFFER
        self._delayed(ops, spec, "debounce", event, key, starts_at)
        self._close_at(ops, starts_at, spec, slot, fresh, None)

    def _add_to_batch(
        self, ops: RunOps, spec: FunctionSpec, policy: Policy, event: dict[str, Any]
    ) -> RunState | None:
        batch = policy.batch
        assert batch is not None
        if batch.condition is not None and not batch.condition.matches({"event": event}):
            return self._create(ops, spec, [event])  # events failing `if` run unbatched
        key = _key(batch.key, event)
        slot = (spec.id, "batch", key)
        pending = self._pending.get(slot)
        if pending is None:
            now = ops.clock.now()
            pending = self._pending[slot] = _Pending([], now, now + batch.timeout, key)
            self._close_at(ops, pending.deadline, spec, slot, pending, "timeout")
        pending.events.append(event)
        pending.size += json_size(event)
        if len(pending.events) >= batch.max_size:
            return self._close(ops, spec, slot, pending, "full")
        if pending.size >= MAX_BATCH_BYTES:
            return self._close(ops, spec, slot, pending, "bytes")
        self._delayed(ops, spec, "batch", event, key, pending.deadline)
        return None

    def _delayed(
        self,
        ops: RunOps,
        spec: FunctionSpec,
        reason: str,
        event: dict[str, Any],
        key: str | None,
        until: float,
    ) -> None:
        ops.recorder.record(
            RunDelayed,
            function_id=spec.id,
            reason=reason,
            key=key,
            event_id=event.get("id"),
            until=until,
        )

    def _close_at(
        self,
        ops: RunOps,
        when: float,
        spec: FunctionSpec,
        slot: tuple[str, str, str | None],
        pending: _Pending,
        batch_reason: str | None,
    ) -> None:
        def due() -> None:
            self._close(ops, spec, slot, pending, batch_reason)

        pending.timer = ops.scheduler.call_at(when, due)

    def _close(
        self,
        ops: RunOps,
        spec: FunctionSpec,
        slot: tuple[str, str, str | None],
        pending: _Pending,
        batch_reason: str | None,
    ) -> RunState | None:
        """A debounce or batch is due; stale timers (superseded ones) do nothing."""
        if pending.done:
            return None
        pending.done = True
        if self._pending.get(slot) is pending:
            del self._pending[slot]
        if pending.timer is not None:
            pending.timer.cancel()  # a batch that closed early needs no timeout
        run = self._create(ops, spec, pending.events)
        if run is not None and batch_reason is not None:
            ops.recorder.record(
                RunBatched,
                function_id=spec.id,
                run_id=run.run_id,
                event_ids=[str(e.get("id")) for e in pending.events],
                key=pending.key,
                reason=batch_reason,
            )
        return run

    # ------------------------------------------------------- run creation
    def _create(
        self, ops: RunOps, spec: FunctionSpec, events: list[dict[str, Any]], *, delay: float = 0.0
    ) -> RunState | None:
        singleton = self.policy(spec).singleton
        slot = _singleton_slot(spec, singleton, events[0])
        if singleton is not None and slot is not None:
            key = slot[1]
            active = self._singletons.get(slot)
            if active is not None and active.running:
                if singleton.mode == "skip":
                    message = f"run {active.run_id} is still running for this key"
                    self._skip(ops, spec, events[0], "singleton", key, message)
                    return None
                ops.cancel(active, f"singleton: a new run for key {key!r} replaced this one")
        run = ops.start_run(spec, events, delay=delay)
        for event in events:
            event_id = str(event.get("id"))
            seen_at, _ = self._seen.get((spec.id, event_id), (ops.clock.now(), None))
            self._seen[(spec.id, event_id)] = (seen_at, run)  # a repeat answers with this run
        return run

    # ------------------------------------------------------ RunListener
    def run_started(self, ops: RunOps, run: RunState) -> None:
        """Every new run: its priority, slots, throttle, singleton key and start timeout."""
        policy = self.policy(run.spec)
        event = run.event
        batched = len(run.events) > 1 or policy.batch is not None
        throttle = None
        if policy.throttle is not None:
            key = (run.spec.id, _key(policy.throttle.key, event))
            buckets = self._gcra(run.spec.id, policy.throttle, policy.throttle.burst)
            throttle = Throttled(buckets, key)
        self.gate.rules[run.run_id] = RunRules(
            priority=priority_factor(policy, event),
            slots=self._slots(run, policy, ignore_keys=batched),
            throttle=throttle,
        )
        slot = _singleton_slot(run.spec, policy.singleton, event)
        if slot is not None:
            self._singletons[slot] = run
        if policy.start_timeout is not None:
            seconds = policy.start_timeout
            message = f"timeouts.start: the run did not start within {seconds:g}s"
            self._cancel_after(ops, run, seconds, message, unless_started=True)

    def forget(self, run: RunState) -> None:
        """A finished run the dev server forgets (``--keep-runs``): its events' ids stay
        seen for their window (a repeat is still skipped), but no longer keep the run."""
        for event in run.events:
            key = (run.spec.id, str(event.get("id")))
            seen = self._seen.get(key)
            if seen is not None and seen[1] is run:
                self._seen[key] = (seen[0], None)

    def run_ended(self, ops: RunOps, run: RunState) -> None:
        self.gate.forget(run.run_id)
        policy = self.policy(run.spec)
        slot = _singleton_slot(run.spec, policy.singleton, run.event)
        if slot is not None and self._singletons.get(slot) is run:
            del self._singletons[slot]

    def _slots(
        self, run: RunState, policy: Policy, *, ignore_keys: bool
    ) -> tuple[tuple[Hashable, int], ...]:
        slots: list[tuple[Hashable, int]] = []
        for limit in policy.concurrency:
            if limit.limit <= 0:
                continue  # 0 means no function-level limit
            key = None if ignore_keys or limit.key is None else _key(limit.key, run.event)
            if limit.scope == "fn":
                source = limit.key.source if limit.key and not ignore_keys else None
                counter: Hashable = ("fn", run.spec.id, source, key)
            else:
                counter = (limit.scope, key)  # shared by every function using this key
            slots.append((counter, limit.limit))
        return tuple(slots)

    def _first_request(self, ops: RunOps, run: RunState) -> None:
        seconds = self.policy(run.spec).finish_timeout
        if seconds is not None:
            message = f"timeouts.finish: the run did not finish within {seconds:g}s of starting"
            self._cancel_after(ops, run, seconds, message, unless_started=False)

    def _cancel_after(
        self, ops: RunOps, run: RunState, seconds: float, message: str, *, unless_started: bool
    ) -> None:
        """The eager cancel job the server enqueues at a timeout's deadline."""

        def due() -> None:
            if run.running and not (unless_started and run.started):
                ops.cancel(run, message)

        ops.call_for(run, ops.clock.now() + seconds, due)


def _ts(event: dict[str, Any]) -> float:
    ts = event.get("ts")
    return float(ts) if isinstance(ts, int | float) else 0.0


def _singleton_slot(
    spec: FunctionSpec, singleton: SingletonPolicy | None, event: dict[str, Any]
) -> tuple[str, str | None] | None:
    """The run's singleton slot, or None when it is not a singleton: no option, or a key that
    is false (``ErrNotASingleton``) or does not evaluate (ignored), as in singleton.go."""
    if singleton is None:
        return None
    if singleton.key is None:
        return (spec.id, None)
    value = singleton.key.evaluate({"event": event})
    if value is False or value is None:
        return None
    return (spec.id, _key_text(value))


def _key(expression: Expression | None, event: dict[str, Any]) -> str | None:
    """A key expression's value as text: None without an expression, "" without a value.

    Numbers read as Go prints them (an event's 1 is the double 1.0, keyed "1").
    """
    if expression is None:
        return None
    return _key_text(expression.evaluate({"event": event}))


def _key_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return go_text(value)
    return json.dumps(value, sort_keys=True, default=str)
