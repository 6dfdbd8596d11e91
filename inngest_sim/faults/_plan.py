"""Fault rules that read like respx routes: a pattern and a typed effect.

A ``FaultPlan`` holds rules; the first rule that matches a call applies. A rule's
pattern is a function id glob, a step id glob (for API rules: the endpoint), the
attempts it applies to, an optional ``when`` predicate and a ``probability``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import fnmatch
import random
import re
from typing import TYPE_CHECKING, Any

from inngest_sim._code import Code, Program, join, value_code
from inngest_sim._errors import InvalidArgument, UnusedFaultRule
from inngest_sim._server.api import API_ENDPOINTS
from inngest_sim.faults._applies import check_rule_applies
from inngest_sim.faults._effects import (
    ApiError,
    ApiTimeout,
    ConnectError,
    Effect,
    FetchError,
    FetchStatus,
    LoseResponse,
    NonRetriable,
    Raise,
    RaiseAfter,
    RetryAfter,
    Status,
    StepEffect,
    Timeout,
    Transient,
    _is_exception,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from inngest_sim.faults._context import FaultContext, Layer
    from inngest_sim.trace import FaultApplied

__all__ = ["FaultPlan", "FaultRule"]

#: The pattern keywords every builder takes.
PATTERN_KEYS = ("function", "attempts", "first", "when", "probability", "name")


@dataclasses.dataclass(eq=False)
class FaultRule:
    """One pattern and its effect. Build rules through ``FaultPlan`` methods."""

    name: str
    effect: Effect
    function: str = "*"
    step: str = "*"
    attempts: frozenset[int] | None = None
    first: int | None = None
    when: Callable[[FaultContext], bool] | None = None
    probability: float = 1.0
    _plan: FaultPlan | None = dataclasses.field(default=None, repr=False)
    _queue: list[Any] | None = dataclasses.field(default=None, repr=False)
    # The command-line string the rule was parsed from (``parse_fault_rules``), if any:
    # errors about the rule quote what the user wrote.
    _source: str | None = dataclasses.field(default=None, repr=False)

    @property
    def layer(self) -> Layer:
        return self.effect.layer

    @property
    def side_effect(self) -> Any:
        """What a ``raises``/``raises_after`` rule raises (None for other effects)."""
        return self.effect.side_effect if isinstance(self.effect, Raise) else None

    @property
    def calls(self) -> list[FaultApplied]:
        """Every time this rule applied, as the ``FaultApplied`` records of the trace."""
        applied = self._plan.applied if self._plan is not None else []
        return [record for record in applied if record.rule == self.name]

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    def pattern_args(self, *, named: bool = True) -> list[Code]:
        """The pattern as keyword arguments (``function=``, ``attempts=``, ``first=``...).

        ``name=`` is among them (unless ``named`` is false) when the rule was given one.
        """
        args = []
        if self.function != "*":
            args.append(Code(f"function={self.function!r}"))
        if self.attempts is not None:
            args.append(Code(f"attempts={sorted(self.attempts)!r}"))
        if self.first is not None:
            args.append(Code(f"first={self.first}"))
        if self.when is not None:
            args.append(join(["when=", value_code(self.when)], ""))
        if self.probability < 1.0:
            args.append(Code(f"probability={self.probability!r}"))
        if named and not re.fullmatch(r"rule-\d+", self.name):
            args.append(Code(f"name={self.name!r}"))
        return args

    def code(self, *, named: bool = True) -> Code:
        """The builder call that makes this rule, with the imports and definitions it needs."""
        args = self.effect.code_args()
        if self.layer != "api":
            args.append(Code(f"step={self.step!r}"))
        args += self.pattern_args(named=named)
        return join([f"plan.{self.effect.kind}(", join(args), ")"], "")

    def to_code(self) -> str:
        """The builder call that makes this rule (``plan.transient(step='a', first=2)``)."""
        return self.code().text

    def describe(self) -> str:
        """The rule in one line: its name and the builder call that makes it."""
        return f"{self.name}: {self.code(named=False).text.removeprefix('plan.')}"

    def quoted(self) -> str:
        """The rule as an error names it: ``describe()``, and the string it was parsed from."""
        text = self.describe()
        return text if self._source is None else f"{text} (from {self._source!r})"

    def names_function(self, function_id: str) -> bool:
        """Whether ``function=`` matches ``function_id`` (the full id, or without its app)."""
        return _fn_matches(self.function, function_id)

    def matches(self, ctx: FaultContext, rng: random.Random) -> bool:
        """Whether the rule applies at ``ctx`` (its probability drawn from ``rng``)."""
        if ctx.layer != self.layer:
            return False
        if ctx.function_id is not None and not self.names_function(ctx.function_id):
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

    def exception(self, ctx: FaultContext) -> BaseException | None:
        """For a step rule: the exception of this call (None: no fault this time)."""
        assert isinstance(self.effect, StepEffect)
        if self._queue is None and isinstance(self.side_effect, list):
            self._queue = list(self.side_effect)
        return self.effect.exception(ctx, self._queue)


def _fn_matches(pattern: str, function_id: str) -> bool:
    # Match the full id ("app-fn") or the id without the app prefix.
    return fnmatch.fnmatchcase(function_id, pattern) or fnmatch.fnmatchcase(
        function_id, f"*-{pattern}"
    )


class FaultPlan:
    """An ordered list of fault rules; the first rule that matches applies.

    Args:
        seed: seeds the choice for rules with a ``probability`` below 1.
    """

    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(f"seed={seed!r} ({type(seed).__name__}): expected a whole number")
        self.rules: list[FaultRule] = []
        self.seed = seed
        self._rng = random.Random(f"faults-{seed}")
        #: Every application of a rule, as recorded in the trace (``rule.calls`` reads it).
        self.applied: list[FaultApplied] = []
        for rule in rules:
            check_rule_applies(rule)
            rule._plan = self
            self.rules.append(rule)

    def __repr__(self) -> str:
        return f"FaultPlan({len(self.rules)} rules, seed={self.seed})"

    def __len__(self) -> int:
        return len(self.rules)

    def reset(self) -> None:
        """Forget what happened: calls, consumed list side effects, probability draws.

        Lets one plan serve many runs (hypothesis examples, a plugin fixture) as if new.
        """
        self.applied.clear()
        self._rng = random.Random(f"faults-{self.seed}")
        for rule in self.rules:
            rule._queue = None

    # ------------------------------------------------------------ building
    def add(self, effect: Effect, *, step: str = "*", **pattern: Any) -> FaultRule:
        """A rule applying ``effect`` (any effect class) where the pattern matches."""
        _check_pattern_keys(pattern, effect.kind)
        _check_glob("step", step)
        function = pattern.get("function", "*")
        _check_glob("function", function)
        rule = FaultRule(
            name=_name(pattern.get("name"), len(self.rules)),
            effect=effect,
            function=function,
            step=step,
            attempts=_attempts(pattern.get("attempts")),
            first=_first(pattern.get("first")),
            when=_when(pattern.get("when")),
            probability=_probability(pattern.get("probability", 1.0)),
            _plan=self,
        )
        check_rule_applies(rule)
        self.rules.append(rule)
        return rule

    def raises(self, exc: Any, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step body raises ``exc`` instead of running (a transient error is
        retried by Inngest; ``inngest.NonRetriableError`` fails the step;
        ``inngest.RetryAfterError`` waits). ``exc`` may also be a callable or a list."""
        _check_side_effect(exc)
        return self.add(Raise(exc), step=step, **pattern)

    def raises_after(self, exc: Any, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step body runs (its side effects happen), then ``exc`` is raised."""
        _check_side_effect(exc)
        return self.add(RaiseAfter(exc), step=step, **pattern)

    def transient(
        self, *, step: str = "*", message: str = "provider unavailable (injected)", **pattern: Any
    ) -> FaultRule:
        """The step body raises ``ConnectionError(message)``: Inngest retries it."""
        return self.add(Transient(_text("message", message)), step=step, **pattern)

    def non_retriable(
        self, *, step: str = "*", message: str = "refused (injected)", **pattern: Any
    ) -> FaultRule:
        """The step body raises ``inngest.NonRetriableError(message)``: the step fails."""
        return self.add(NonRetriable(_text("message", message)), step=step, **pattern)

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
        seconds = _seconds("delay", delay)
        if "first" not in pattern and "attempts" not in pattern:
            pattern["first"] = 1
        return self.add(RetryAfter(seconds, _text("message", message)), step=step, **pattern)

    def connect_error(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The request that runs the step fails to connect; the SDK never sees it."""
        return self.add(ConnectError(), step=step, **pattern)

    def timeout(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The request that runs the step times out before the SDK sees it."""
        return self.add(Timeout(), step=step, **pattern)

    def status(self, code: int = 502, *, step: str = "*", **pattern: Any) -> FaultRule:
        """A proxy in front of the serve endpoint answers ``code`` instead of the SDK."""
        if isinstance(code, bool) or not isinstance(code, int) or not 400 <= code <= 599:
            raise InvalidArgument(f"code={code!r}: an injected status must be an int, 4xx or 5xx")
        return self.add(Status(code), step=step, **pattern)

    def lose_response(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The step runs in the SDK but its response is lost: Inngest runs it again."""
        return self.add(LoseResponse(), step=step, **pattern)

    def api_error(self, endpoint: str, *, status: int = 503, **pattern: Any) -> FaultRule:
        """The Inngest API answers ``status`` to the SDK (``endpoint``: events,
        publish, register or run_state)."""
        _check_endpoint(endpoint)
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise InvalidArgument(f"status={status!r}: an API error status must be 4xx or 5xx")
        return self.add(ApiError(endpoint, status), step=endpoint, **pattern)

    def api_timeout(self, endpoint: str, **pattern: Any) -> FaultRule:
        """The SDK's call to the Inngest API times out."""
        _check_endpoint(endpoint)
        return self.add(ApiTimeout(endpoint), step=endpoint, **pattern)

    def fetch_error(self, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The executor's call for a ``step.fetch`` gets no answer: the step's attempt
        fails with ``GatewayError``, as a refused connection does on the server.

        ``step`` globs the fetch step's id (``"step.fetch: api.example.com"``).
        """
        return self.add(FetchError(), step=step, **pattern)

    def fetch_status(self, code: int = 503, *, step: str = "*", **pattern: Any) -> FaultRule:
        """The remote side of a ``step.fetch`` answers ``code``: the step's result (a
        ``Response`` with that status), not a failed attempt, as on the server."""
        if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
            raise InvalidArgument(f"code={code!r}: an HTTP status must be an int from 100 to 599")
        return self.add(FetchStatus(code), step=step, **pattern)

    # ------------------------------------------------------------ checking
    def match(self, ctx: FaultContext) -> tuple[FaultRule, BaseException | None] | None:
        """The first rule that applies to this call, and (for step rules) what to raise.

        Does not record the call: the simulator's fault layers do, in the trace.
        """
        for rule in self.rules:
            if not rule.matches(ctx, self._rng):
                continue
            if isinstance(rule.effect, StepEffect):
                exc = rule.exception(ctx)
                if exc is None:
                    continue  # a list ran out or a callable declined
                return rule, exc
            return rule, None
        return None

    def assert_all_called(self) -> None:
        """Fail with ``UnusedFaultRule`` naming every rule that never matched."""
        __tracebackhide__ = True
        unused = [rule.describe() for rule in self.rules if not rule.called]
        if unused:
            raise UnusedFaultRule("fault rules that never matched:\n  " + "\n  ".join(unused))

    def to_code(self) -> str:
        """Python that rebuilds this plan, imports included: it runs when pasted.

        Exceptions and classes are named by an import path; lambdas print as their
        source; a side effect that cannot be written out prints as a ``replace_me(...)``
        placeholder that raises, when run, saying what to put there.
        """
        return self._program().render()

    def _program(self) -> Program:
        """``to_code`` as a program that reproducers add their own lines to."""
        program = Program(["from inngest_sim import FaultPlan"])
        program.add(Code(f"plan = FaultPlan(seed={self.seed})"), "the plan")
        for rule in self.rules:
            program.add(rule.code(), rule.name)
        return program


# -------------------------------------------------------------- validation
def _check_pattern_keys(pattern: dict[str, Any], kind: str) -> None:
    unknown = sorted(set(pattern) - set(PATTERN_KEYS))
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, PATTERN_KEYS, n=1)
        hints.append(f"{key}= (did you mean {close[0]}=?)" if close else f"{key}=")
    raise InvalidArgument(
        f"{kind}(): unknown option {', '.join(hints)}; a rule's pattern takes "
        f"step=, {', '.join(k + '=' for k in PATTERN_KEYS)}"
    )


def _check_glob(key: str, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidArgument(
            f"{key}={value!r} must be a non-empty string: an id or a glob such as 'image-*'"
        )


def _name(value: Any, count: int) -> str:
    if value is None:
        return f"rule-{count + 1}"
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"name={value!r} must be a non-empty string")
    return value


def _attempts(value: Any) -> frozenset[int] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        attempts = list(values)
    except TypeError:
        attempts = [values]
    if not attempts or any(
        isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in attempts
    ):
        raise InvalidArgument(
            f"attempts={value!r} must be an attempt number (0 is the first) or a list of them"
        )
    return frozenset(attempts)


def _first(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(
            f"first={value!r} must be a whole number >= 1: the rule applies to that many "
            "first attempts (use attempts=[...] for particular ones)"
        )
    return value


def _when(value: Any) -> Callable[[FaultContext], bool] | None:
    if value is not None and not callable(value):
        raise InvalidArgument(f"when={value!r} must be a callable taking a FaultContext")
    predicate: Callable[[FaultContext], bool] | None = value
    return predicate


def _probability(value: Any) -> float:
    valid = isinstance(value, int | float) and not isinstance(value, bool) and 0.0 < value <= 1.0
    if not valid:
        raise InvalidArgument(f"probability={value!r} must be a number in (0, 1]")
    return float(value)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArgument(f"{key}={value!r} must be a string")
    return value


def _seconds(key: str, value: Any) -> float:
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise InvalidArgument(f"{key}={value!r} must be seconds (a number) or a timedelta")
    if not 0 < seconds < float("inf"):
        raise InvalidArgument(f"{key}={value!r} must be a positive, finite duration")
    return seconds


def _check_side_effect(value: Any) -> None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is not None and not _is_exception(item) and not callable(item):
            raise InvalidArgument(
                f"side effect {item!r} must be an exception (class or instance), a callable "
                "taking a FaultContext, None, or a list of those"
            )


def _check_endpoint(endpoint: Any) -> None:
    if not isinstance(endpoint, str) or endpoint not in API_ENDPOINTS:
        raise InvalidArgument(
            f"endpoint={endpoint!r}: choose one of {', '.join(sorted(API_ENDPOINTS))}"
        )
