"""A function's flow-control options, read and checked once at registration.

The SDK reports the options as JSON (sdk-protocol.md section 6.1); this module turns
them into typed policies and rejects, with ``InvalidArgument``, what the
Inngest server would reject when the app syncs (executor-semantics.md sections 0
and 4). Every message names the function and the option, and says how to fix it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._protocol import ProtocolError, parse_duration
from inngest_sim._server.cel import Expression

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._server.registry import FunctionSpec

__all__ = [
    "BatchPolicy",
    "ConcurrencyLimit",
    "DebouncePolicy",
    "Policy",
    "RatePolicy",
    "SingletonPolicy",
    "parse_policy",
    "priority_factor",
]

SECOND = 1.0
DAY = 86400.0
MAX_CONCURRENCY_LIMITS = 2
DEBOUNCE_RANGE = (SECOND, 7 * DAY)
THROTTLE_RANGE = (SECOND, 7 * DAY)
RATE_LIMIT_RANGE = (SECOND, DAY)
IDEMPOTENCY_PERIOD = DAY
DEFAULT_BATCH_TIMEOUT = 60.0
# consts.go PriorityFactorMin/Max: the server clamps priority.run to +-12 h (its docs say 600 s).
PRIORITY_RANGE = 12 * 3600
SCOPES = ("fn", "env", "account")
SINGLETON_MODES = ("skip", "cancel")
# Registration rejects batching combined with these (executor-semantics.md section 4).
BATCH_CONFLICTS = ("cancel", "debounce", "singleton", "priority")


@dataclasses.dataclass(frozen=True, slots=True)
class ConcurrencyLimit:
    limit: int  # 0 means "no function-level limit"
    key: Expression | None
    scope: str


@dataclasses.dataclass(frozen=True, slots=True)
class RatePolicy:
    """``limit`` per ``period`` seconds, ``burst`` at once (throttle, rate limit, idempotency)."""

    option: str
    limit: int
    period: float
    burst: int
    key: Expression | None


@dataclasses.dataclass(frozen=True, slots=True)
class DebouncePolicy:
    period: float
    timeout: float | None
    key: Expression | None


@dataclasses.dataclass(frozen=True, slots=True)
class BatchPolicy:
    max_size: int
    timeout: float
    key: Expression | None
    condition: Expression | None


@dataclasses.dataclass(frozen=True, slots=True)
class SingletonPolicy:
    mode: str
    key: Expression | None


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """Everything flow control needs to know about one function."""

    function_id: str
    concurrency: tuple[ConcurrencyLimit, ...] = ()
    throttle: RatePolicy | None = None
    rate_limit: RatePolicy | None = None
    debounce: DebouncePolicy | None = None
    batch: BatchPolicy | None = None
    priority: Expression | None = None
    singleton: SingletonPolicy | None = None
    start_timeout: float | None = None
    finish_timeout: float | None = None


def parse_policy(spec: FunctionSpec) -> Policy:
    """The flow-control policy of ``spec``; raises InvalidArgument for bad options."""
    config = spec.config
    reader = _Reader(spec.id)
    _check_batch_conflicts(reader, config)
    timeouts = reader.object("timeouts", config.get("timeouts")) or {}
    priority = reader.object("priority", config.get("priority")) or {}
    return Policy(
        function_id=spec.id,
        concurrency=_concurrency(reader, config.get("concurrency")),
        throttle=_throttle(reader, config.get("throttle")),
        rate_limit=_rate_limit(reader, config.get("rateLimit"), config.get("idempotency")),
        debounce=_debounce(reader, config.get("debounce")),
        batch=_batch(reader, config.get("batchEvents")),
        priority=reader.expression("priority.run", priority.get("run")),
        singleton=_singleton(reader, config.get("singleton")),
        start_timeout=reader.duration("timeouts.start", timeouts.get("start")),
        finish_timeout=reader.duration("timeouts.finish", timeouts.get("finish")),
    )


class _Reader:
    """Reads option values of one function, with errors that name both."""

    def __init__(self, fn_id: str) -> None:
        self.fn_id = fn_id

    def fail(self, option: str, problem: str) -> InvalidArgument:
        return InvalidArgument(f"function {self.fn_id!r}: {option}: {problem}")

    def expression(self, option: str, source: Any) -> Expression | None:
        if source in (None, ""):
            return None
        return Expression(str(source), where=f"function {self.fn_id!r} {option}")

    def duration(
        self, option: str, raw: Any, *, within: tuple[float, float] | None = None
    ) -> float | None:
        if raw in (None, ""):
            return None
        try:
            seconds = parse_duration(str(raw))
        except ProtocolError as exc:
            raise self.fail(option, f"{exc}; pass a datetime.timedelta") from exc
        if seconds <= 0:
            raise self.fail(option, f"{raw!r} must be longer than zero")
        if within is not None and not within[0] <= seconds <= within[1]:
            low, high = (_text(s) for s in within)
            raise self.fail(
                option,
                f"{raw!r} is outside {low}..{high}, the range Inngest accepts; pick one within",
            )
        return seconds

    def object(self, option: str, raw: Any) -> Mapping[str, Any] | None:
        """An option given as a JSON object, or None when it is not set."""
        if raw in (None, {}, ""):
            return None
        if not isinstance(raw, dict):
            raise self.fail(option, f"{raw!r} should be an object (a JSON dict)")
        return raw

    def integer(self, option: str, raw: Any, *, minimum: int) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < minimum:
            raise self.fail(option, f"{raw!r} must be a whole number of at least {minimum}")
        return raw


def _text(seconds: float) -> str:
    for unit, size in (("d", DAY), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _check_batch_conflicts(reader: _Reader, config: Mapping[str, Any]) -> None:
    if not config.get("batchEvents"):
        return
    clashes = [name for name in BATCH_CONFLICTS if config.get(name)]
    if clashes:
        raise reader.fail(
            "batchEvents",
            f"cannot be combined with {', '.join(clashes)}; Inngest rejects this at sync. "
            "Remove batch_events or the other option(s)",
        )


def _concurrency(reader: _Reader, raw: Any) -> tuple[ConcurrencyLimit, ...]:
    if raw in (None, []):
        return ()
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = [{"limit": raw}]  # the number shorthand is one fn-scoped limit
    if isinstance(raw, dict) and "limit" not in raw:
        raise reader.fail(
            "concurrency",
            f"the form {raw!r} (run-level limits) is not supported by the simulator; "
            'use a list of step limits such as [{"limit": 2}]',
        )
    entries = [raw] if isinstance(raw, dict) else list(raw)
    if len(entries) > MAX_CONCURRENCY_LIMITS:
        raise reader.fail(
            "concurrency",
            f"{len(entries)} limits given; Inngest allows at most {MAX_CONCURRENCY_LIMITS}, "
            "so keep one or two Concurrency entries",
        )
    limits = []
    for index, entry in enumerate(entries):
        option = f"concurrency[{index}]"
        if not isinstance(entry, dict):
            raise reader.fail(option, f"{entry!r} should be an object with limit, key and scope")
        scope = str(entry.get("scope") or "fn")
        if scope not in SCOPES:
            raise reader.fail(option, f"scope {scope!r} is not one of {', '.join(SCOPES)}")
        key = reader.expression(f"{option}.key", entry.get("key"))
        if scope != "fn" and key is None:
            raise reader.fail(
                option, f"scope {scope!r} needs a key expression (only scope 'fn' works without)"
            )
        limit = reader.integer(f"{option}.limit", entry.get("limit"), minimum=0)
        limits.append(ConcurrencyLimit(limit=limit, key=key, scope=scope))
    return tuple(limits)


def _throttle(reader: _Reader, raw: Any) -> RatePolicy | None:
    raw = reader.object("throttle", raw)
    if raw is None:
        return None
    burst = raw.get("burst")
    return RatePolicy(
        option="throttle",
        limit=reader.integer("throttle.limit", raw.get("limit"), minimum=1),
        period=_period(reader, "throttle.period", raw.get("period"), THROTTLE_RANGE),
        burst=1 if burst is None else reader.integer("throttle.burst", burst, minimum=1),
        key=reader.expression("throttle.key", raw.get("key")),
    )


def _rate_limit(reader: _Reader, raw: Any, idempotency: Any) -> RatePolicy | None:
    if idempotency:
        # The server turns `idempotency` into a rate limit of 1 per 24h on that key,
        # replacing any rateLimit (pkg/sdk/function.go).
        return RatePolicy(
            option="idempotency",
            limit=1,
            period=IDEMPOTENCY_PERIOD,
            burst=0,
            key=reader.expression("idempotency", idempotency),
        )
    raw = reader.object("rateLimit", raw)
    if raw is None:
        return None
    limit = reader.integer("rateLimit.limit", raw.get("limit"), minimum=1)
    return RatePolicy(
        option="rateLimit",
        limit=limit,
        period=_period(reader, "rateLimit.period", raw.get("period"), RATE_LIMIT_RANGE),
        burst=limit // 10,  # as the server's GCRA does
        key=reader.expression("rateLimit.key", raw.get("key")),
    )


def _period(reader: _Reader, option: str, raw: Any, within: tuple[float, float]) -> float:
    if raw in (None, ""):
        raise reader.fail(option, "is required")
    period = reader.duration(option, raw, within=within)
    assert period is not None
    return period


def _debounce(reader: _Reader, raw: Any) -> DebouncePolicy | None:
    raw = reader.object("debounce", raw)
    if raw is None:
        return None
    return DebouncePolicy(
        period=_period(reader, "debounce.period", raw.get("period"), DEBOUNCE_RANGE),
        timeout=reader.duration("debounce.timeout", raw.get("timeout"), within=DEBOUNCE_RANGE),
        key=reader.expression("debounce.key", raw.get("key")),
    )


def _batch(reader: _Reader, raw: Any) -> BatchPolicy | None:
    raw = reader.object("batchEvents", raw)
    if raw is None:
        return None
    timeout = reader.duration("batchEvents.timeout", raw.get("timeout"), within=(SECOND, DAY))
    return BatchPolicy(
        max_size=reader.integer("batchEvents.maxSize", raw.get("maxSize"), minimum=2),
        timeout=DEFAULT_BATCH_TIMEOUT if timeout is None else timeout,
        key=reader.expression("batchEvents.key", raw.get("key")),
        condition=reader.expression("batchEvents.if", raw.get("if")),
    )


def _singleton(reader: _Reader, raw: Any) -> SingletonPolicy | None:
    raw = reader.object("singleton", raw)
    if raw is None:
        return None
    mode = raw.get("mode")
    if mode not in SINGLETON_MODES:
        raise reader.fail("singleton.mode", f"{mode!r} is not one of {', '.join(SINGLETON_MODES)}")
    return SingletonPolicy(mode=str(mode), key=reader.expression("singleton.key", raw.get("key")))


def priority_factor(policy: Policy, event: Mapping[str, Any]) -> int:
    """``priority.run`` over ``event``, in whole seconds within ±12 h.

    As ``RunPriorityFactor`` (``pkg/inngest/function.go``): only an int result counts, so
    ``event.data.p`` (a JSON number, a double) gives 0 and ``int(event.data.p)`` gives p.
    """
    if policy.priority is None:
        return 0
    value = policy.priority.evaluate({"event": event})
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(-PRIORITY_RANGE, min(PRIORITY_RANGE, int(value)))
