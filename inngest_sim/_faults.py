"""Fault injection: rules that read like respx routes, at three layers.

A :class:`FaultPlan` holds rules. Each rule is a pattern (function id glob, step
id glob, attempts, an optional predicate) and an effect:

* **inside a step** (in-process only): ``raises(exc)`` replaces the body,
  ``raises_after(exc)`` lets it run and then loses its result;
* **transport**: ``connect_error()``, ``timeout()``, ``status(502)`` fail the
  request before the SDK sees it; ``lose_response()`` lets the step run and
  drops its answer, so Inngest runs it again (at-least-once delivery);
* **Inngest API**: ``api_error("events" | "publish" | ..., status=503)`` or
  ``api_timeout(...)``: the SDK's call to Inngest fails (its own retry applies).

``side_effect`` may be an exception (class or instance), a callable taking the
:class:`FaultContext` (return None for no fault), or a list consumed one
matching call at a time. Every rule records its calls; ``assert_all_called``
fails loudly for a rule that never matched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import random
from typing import TYPE_CHECKING, Any, Literal

import httpx

from inngest_sim._errors import InvalidArgument, SimError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

__all__ = ["FaultContext", "FaultPlan", "FaultRule", "UnusedFaultRule"]

Layer = Literal["step", "step_after", "request", "response", "api"]
API_ENDPOINTS = {
    "events": "/e/",
    "publish": "/v1/realtime/publish",
    "register": "/fn/register",
    "run_state": "/v0/runs/",
}


class UnusedFaultRule(SimError, AssertionError):
    """A fault rule that was expected to match never did."""


@dataclasses.dataclass(frozen=True, slots=True)
class FaultContext:
    """Where a fault could apply: what the rule's predicate and callables receive."""

    layer: Layer
    function_id: str | None
    step: str | None
    attempt: int | None
    run_id: str | None = None
    path: str | None = None


@dataclasses.dataclass(eq=False)
class FaultRule:
    """One pattern and its effect. Build rules through :class:`FaultPlan` methods."""

    name: str
    layer: Layer
    effect: str
    function: str = "*"
    step: str = "*"
    attempts: frozenset[int] | None = None
    first: int | None = None
    when: Callable[[FaultContext], bool] | None = None
    probability: float = 1.0
    side_effect: Any = None
    status_code: int = 502
    delay: float | None = None
    calls: list[FaultContext] = dataclasses.field(default_factory=list)
    _queue: list[Any] | None = None

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def pattern_args(self) -> list[str]:
        """The pattern as keyword arguments (``function=``, ``attempts=``, ``first=``)."""
        args = []
        if self.function != "*":
            args.append(f"function={self.function!r}")
        if self.attempts is not None:
            args.append(f"attempts={sorted(self.attempts)!r}")
        if self.first is not None:
            args.append(f"first={self.first}")
        return args

    def describe(self) -> str:
        step = [f"step={self.step!r}"] if self.step != "*" else []
        return f"{self.name}: {self.layer} {self.effect} " + " ".join([*step, *self.pattern_args()])

    def matches(self, ctx: FaultContext, rng: random.Random) -> bool:
        if ctx.layer != self.layer:
            return False
        if ctx.function_id is not None and not _fn_matches(self.function, ctx.function_id):
            return False
        if self.step != "*" and (ctx.step is None or not fnmatch.fnmatchcase(ctx.step, self.step)):
            return False
        if self.attempts is not None and ctx.attempt not in self.attempts:
            return False
        if self.first is not None and (ctx.attempt is None or ctx.attempt >= self.first):
            return False
        if self.when is not None and not self.when(ctx):
            return False
        return self.probability >= 1.0 or rng.random() < self.probability

    def next_effect(self, ctx: FaultContext) -> Any:
        """The side effect for this call (None means: no fault this time)."""
        if isinstance(self.side_effect, list):
            if self._queue is None:
                self._queue = list(self.side_effect)
            return self._queue.pop(0) if self._queue else None
        if callable(self.side_effect) and not _is_exception(self.side_effect):
            return self.side_effect(ctx)
        return self.side_effect


def _fn_matches(pattern: str, function_id: str) -> bool:
    # Match the full id ("app-fn") or the id without the app prefix.
    return fnmatch.fnmatchcase(function_id, pattern) or fnmatch.fnmatchcase(
        function_id, f"*-{pattern}"
    )


def _is_exception(value: Any) -> bool:
    return isinstance(value, BaseException) or (
        isinstance(value, type) and issubclass(value, BaseException)
    )


def _as_exception(value: Any) -> BaseException:
    exc: BaseException = value() if isinstance(value, type) else value
    return exc


class FaultPlan:
    """An ordered list of fault rules; the first rule that matches applies.

    Args:
        seed: seeds the choice for rules with a ``probability`` below 1.
    """

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int = 0) -> None:
        self.rules: list[FaultRule] = list(rules)
        self.seed = seed
        self._rng = random.Random(f"faults-{seed}")

    def __repr__(self) -> str:
        return f"FaultPlan({len(self.rules)} rules, seed={self.seed})"

    def __len__(self) -> int:
        return len(self.rules)

    # ------------------------------------------------------------ building
    def _add(self, layer: Layer, effect: str, side_effect: Any, **pattern: Any) -> FaultRule:
        attempts = pattern.pop("attempts", None)
        if attempts is not None:
            attempts = frozenset([attempts] if isinstance(attempts, int) else attempts)
        probability = pattern.get("probability", 1.0)
        if not 0.0 < probability <= 1.0:
            raise InvalidArgument(f"probability={probability!r} must be in (0, 1]")
        name = pattern.pop("name", None) or f"rule-{len(self.rules) + 1}"
        rule = FaultRule(
            name=name,
            layer=layer,
            effect=effect,
            attempts=attempts,
            side_effect=side_effect,
            **pattern,
        )
        self.rules.append(rule)
        return rule

    def raises(self, exc: Any, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step body raises ``exc`` instead of running (a transient error is
        retried by Inngest; ``inngest.NonRetriableError`` fails the run;
        ``inngest.RetryAfterError`` waits). ``exc`` may also be a callable or a list."""
        _check_side_effect(exc)
        return self._add("step", "raises", exc, step=step, **pattern)

    def retry_after(
        self,
        delay: dt.timedelta | float,
        *,
        step: str = "*",
        message: str = "rate limited (injected)",
        **pattern: Any,
    ) -> FaultRule:
        """The step body raises ``inngest.RetryAfterError(message, delay)``, on the first
        attempt unless ``first=``/``attempts=`` say otherwise.

        Prefer this to ``raises(RetryAfterError(...))``: the SDK turns the delay into a
        deadline when the error is *constructed*, so an instance made in advance is stale
        by the time it is raised. This builds a fresh one each time.
        """
        seconds = delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)
        if seconds <= 0:
            raise InvalidArgument(f"delay={delay!r} must be positive")

        def make(_ctx: FaultContext) -> BaseException:
            import inngest

            return inngest.RetryAfterError(message, dt.timedelta(seconds=seconds))

        if "first" not in pattern and "attempts" not in pattern:
            pattern["first"] = 1
        return self._add("step", "retry_after", make, step=step, delay=seconds, **pattern)

    def raises_after(self, exc: Any, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step body runs (its side effects happen), then ``exc`` is raised."""
        _check_side_effect(exc)
        return self._add("step_after", "raises_after", exc, step=step, **pattern)

    def connect_error(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The request to the serve endpoint fails to connect; the SDK never sees it."""
        return self._add(
            "request", "connect_error", httpx.ConnectError("injected"), step=step, **pattern
        )

    def timeout(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The request to the serve endpoint times out before the SDK sees it."""
        return self._add("request", "timeout", httpx.ReadTimeout("injected"), step=step, **pattern)

    def status(self, code: int = 502, *, step: str = "*", **pattern: Any) -> FaultRule:
        """A proxy in front of the serve endpoint answers ``code`` instead of the SDK."""
        if not 400 <= code <= 599:
            raise InvalidArgument(f"code={code!r}: an injected status must be 4xx or 5xx")
        return self._add("request", f"status_{code}", None, step=step, status_code=code, **pattern)

    def lose_response(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step runs in the SDK but its response is lost: Inngest runs it again."""
        return self._add("response", "lose_response", None, step=step, **pattern)

    def api_error(self, endpoint: str, *, status: int = 503, **pattern: Any) -> FaultRule:
        """The Inngest API answers ``status`` to the SDK (``endpoint``: events,
        publish, register or run_state)."""
        _check_endpoint(endpoint)
        return self._add("api", f"api_{status}", None, step=endpoint, status_code=status, **pattern)

    def api_timeout(self, endpoint: str, **pattern: Any) -> FaultRule:
        """The SDK's call to the Inngest API times out."""
        _check_endpoint(endpoint)
        return self._add(
            "api", "api_timeout", httpx.ReadTimeout("injected"), step=endpoint, **pattern
        )

    # ------------------------------------------------------------ checking
    def match(self, ctx: FaultContext) -> tuple[FaultRule, Any] | None:
        """The first matching rule and its side effect for this call, recorded."""
        for rule in self.rules:
            if rule.matches(ctx, self._rng):
                effect = rule.next_effect(ctx)
                if effect is None and rule.layer in ("step", "step_after"):
                    continue  # a list ran out or a callable declined
                rule.calls.append(ctx)
                return rule, effect
        return None

    def assert_all_called(self) -> None:
        """Fail with :class:`UnusedFaultRule` naming every rule that never matched."""
        __tracebackhide__ = True
        unused = [rule.describe() for rule in self.rules if not rule.called]
        if unused:
            raise UnusedFaultRule("fault rules that never matched:\n  " + "\n  ".join(unused))

    def to_code(self) -> str:
        """Python that rebuilds this plan (for reproducers)."""
        lines = [f"plan = FaultPlan(seed={self.seed})"]
        for rule in self.rules:
            lines.append(_rule_code(rule))
        return "\n".join(lines)


def _check_side_effect(value: Any) -> None:
    values: Sequence[Any] = value if isinstance(value, list) else [value]
    for item in values:
        if item is not None and not _is_exception(item) and not callable(item):
            raise InvalidArgument(
                f"side effect {item!r} must be an exception (class or instance), a callable "
                "taking a FaultContext, None, or a list of those"
            )


def _check_endpoint(endpoint: str) -> None:
    if endpoint not in API_ENDPOINTS:
        raise InvalidArgument(
            f"endpoint={endpoint!r}: choose one of {', '.join(sorted(API_ENDPOINTS))}"
        )


def _rule_code(rule: FaultRule) -> str:
    args = rule.pattern_args()
    step = f"step={rule.step!r}"
    if rule.effect == "retry_after":
        return f"plan.retry_after({rule.delay!r}, {', '.join([step, *args])})"
    if rule.layer in ("step", "step_after"):
        method = "raises" if rule.layer == "step" else "raises_after"
        return f"plan.{method}({_effect_code(rule.side_effect)}, {', '.join([step, *args])})"
    if rule.layer == "api":
        status = "" if rule.effect == "api_timeout" else f", status={rule.status_code}"
        method = "api_timeout" if rule.effect == "api_timeout" else "api_error"
        return f"plan.{method}({rule.step!r}{status}{''.join(', ' + a for a in args)})"
    if rule.effect in ("connect_error", "timeout", "lose_response"):
        return f"plan.{rule.effect}({', '.join([step, *args])})"
    return f"plan.status({rule.status_code}, {', '.join([step, *args])})"


def _class_code(cls: type) -> str:
    """How a reproducer names ``cls``: ``builtins.X``, ``inngest.X`` or its module path."""
    import inngest

    if getattr(inngest, cls.__name__, None) is cls:
        return f"inngest.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _effect_code(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_effect_code(v) for v in value) + "]"
    if isinstance(value, BaseException):
        args = [repr(a) for a in value.args]
        retry_after = getattr(value, "retry_after", None)
        if retry_after is not None:
            # RetryAfterError keeps its deadline, not the delay it was given.
            args.append(repr(retry_after))
        return f"{_class_code(type(value))}({', '.join(args)})"
    if isinstance(value, type):
        return _class_code(value)
    return repr(value)


def raise_effect(effect: Any) -> None:
    """Raise what a step-layer rule asks for."""
    raise _as_exception(effect)
