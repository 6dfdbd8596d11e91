"""Hypothesis strategies for fault plans, trigger events and seeds.

Property tests draw a ``inngest_sim.FaultPlan`` and a seed, run a
function in the simulator and check a property that must hold under any of
those faults:

```python
from hypothesis import given, settings
from inngest_sim import Simulator
from inngest_sim.strategies import explain, fault_plans, seeds

@settings(max_examples=25, deadline=None)
@given(plan=fault_plans(["plan", "image-0", "image-1"]), seed=seeds())
def test_images_survive_faults(plan, seed):
    explain(plan, seed)  # a failing example prints code that reproduces it
    run = asyncio.run(run_images(plan, seed))
    assert run.status == ("Failed" if plan.unrecoverable_steps else "Completed")
```

Plans are built from small primitives (one ``(step, kind, count)`` rule per
step), so Hypothesis shrinks a failure to the fewest rules and failures, and
``repr(plan)`` reads like ``FaultPlan[transient('image-1', first=2)]``. A
strategy's own repr is the call that made it (``fault_plans(['a', 'b'], max_rules=2)``),
and a bad argument raises ``InvalidArgument``, which is both Hypothesis's
and inngest_sim's.

Importing this module registers the settings profiles ``PROFILE``
(``"inngest-sim"``) and ``CI_PROFILE`` for tests that run a simulator per
example; load one with ``settings.load_profile(PROFILE)``.
This is the only module of inngest_sim that imports Hypothesis.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import hypothesis
import hypothesis.errors
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from inngest_sim import _errors
from inngest_sim._code import PLACEHOLDER, Code, join, value_code
from inngest_sim.faults import DRAWN_KINDS, FaultContext, FaultPlan

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "CI_PROFILE",
    "KINDS",
    "PROFILE",
    "GeneratedFaultPlan",
    "InjectedFault",
    "InvalidArgument",
    "events",
    "explain",
    "fault_plans",
    "reproducer",
    "seeds",
]

KINDS: Final = DRAWN_KINDS
"""The kinds of fault ``fault_plans`` draws from: ``FaultPlan`` method names, as
everywhere else (the command line's kinds, ``rule.to_code()``).
"""

ErrorSource = BaseException | Callable[[], BaseException]
_P = ParamSpec("_P")
_T = TypeVar("_T")

PROFILE: Final = "inngest-sim"
"""A settings profile for property tests that run a simulator per example: no
deadline (one example is a whole simulation), no too-slow health check, and no
*explain* phase (after a failure it re-runs ~200 examples under a tracer: 15-20 s
with a simulator). Load it with ``settings.load_profile(PROFILE)``.
"""
CI_PROFILE: Final = "inngest-sim-ci"
"""``PROFILE`` for CI: the same examples on every run (``derandomize=True``), no
example database, and the failing example's blob printed so it can be replayed.
"""

settings.register_profile(
    PROFILE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
settings.register_profile(
    CI_PROFILE,
    parent=settings.get_profile(PROFILE),
    derandomize=True,
    database=None,
    print_blob=True,
)


class InvalidArgument(hypothesis.errors.InvalidArgument, _errors.InvalidArgument):
    """A strategy was given a bad argument; the message says how to fix it.

    Both Hypothesis's ``hypothesis.errors.InvalidArgument`` (as Hypothesis's own
    strategies raise) and ``inngest_sim.InvalidArgument``, so either ``except``
    catches it.
    """


@dataclasses.dataclass(frozen=True, slots=True)
class _Raise:
    """A step side effect that builds a fresh exception per call; prints as code.

    A fresh exception keeps tracebacks from piling up on a shared instance, and
    ``RetryAfterError`` must be built when it is raised: the SDK turns its delay
    into an absolute time in its constructor.
    """

    build: Callable[[], BaseException]
    source: ErrorSource

    def __call__(self, ctx: FaultContext) -> BaseException:
        return self.build()

    def fault_code(self) -> Code:
        """The side effect as code: the exception, or a lambda calling the function."""
        if isinstance(self.source, BaseException):
            return value_code(self.source)
        call = value_code(self.source)
        if call.text.startswith(PLACEHOLDER):
            return call
        if call.text.startswith("lambda"):
            call = join(["(", call, ")"], "")
        return join(["lambda ctx: ", call, "()"], "")

    def __repr__(self) -> str:
        return self.fault_code().text


@dataclasses.dataclass(frozen=True, slots=True)
class InjectedFault:
    """One drawn fault: the first ``count`` attempts of ``step`` fail as ``kind`` says.

    ``kind`` is ``transient`` (a retried ``ConnectionError``), ``non_retriable``
    (fails the step at once), ``lose_response`` (the body runs, its answer is
    lost) or ``retry_after`` (``inngest.RetryAfterError`` of ``retry_after``
    seconds).
    """

    step: str
    kind: str
    count: int = 1
    retry_after: int | None = None
    #: What a non-retriable fault raises (``inngest.NonRetriableError`` when None).
    effect: _Raise | None = dataclasses.field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check(self.kind in KINDS, f"kind={self.kind!r}: choose from {list(KINDS)!r}")
        _check(self.count >= 1, f"count={self.count!r} must be >= 1")
        _check(
            (self.retry_after is not None) == (self.kind == "retry_after"),
            f"retry_after={self.retry_after!r}: seconds for kind='retry_after' only",
        )

    def __repr__(self) -> str:
        delay = f", seconds={self.retry_after}" if self.retry_after is not None else ""
        return f"{self.kind}({self.step!r}, first={self.count}{delay})"

    def recoverable(self, retries: int) -> bool:
        """Whether the step still succeeds with ``retries`` retries after this fault."""
        return self.kind != "non_retriable" and self.count <= retries


class GeneratedFaultPlan(FaultPlan):
    """A ``inngest_sim.FaultPlan`` drawn by ``fault_plans``.

    ``injected`` lists its faults in a readable form, one per step. It can also be
    built by hand, e.g. to pin a shrunk example in a regular test.

    Args:
        injected: the faults, at most one per step.
        retries: the retries of the function under test, for ``unrecoverable_steps``.
    """

    def __init__(self, injected: Sequence[InjectedFault], *, retries: int) -> None:
        super().__init__()
        self.injected = tuple(injected)
        self.retries = retries
        for fault in self.injected:
            _add_rule(self, fault)

    def __repr__(self) -> str:
        return f"FaultPlan[{', '.join(map(repr, self.injected))}]"

    def steps(self, kind: str | None = None) -> list[str]:
        """The steps that get a fault (of ``kind`` only, when given)."""
        return [f.step for f in self.injected if kind is None or f.kind == kind]

    @property
    def unrecoverable_steps(self) -> list[str]:
        """Steps whose fault outlasts their retries or is non-retriable: they fail."""
        return [f.step for f in self.injected if not f.recoverable(self.retries)]


def _add_rule(plan: FaultPlan, fault: InjectedFault) -> None:
    step, first = fault.step, fault.count
    if fault.kind == "lose_response":
        plan.lose_response(step=step, first=first)
    elif fault.kind == "transient":
        plan.transient(step=step, first=first, message=TRANSIENT_MESSAGE)
    elif fault.kind == "retry_after" and fault.retry_after is not None:
        plan.retry_after(fault.retry_after, step=step, first=first, message=RETRY_AFTER_MESSAGE)
    elif fault.effect is not None:
        plan.raises(fault.effect, step=step, first=first)  # the caller's own error
    else:
        plan.non_retriable(step=step, first=first, message=NON_RETRIABLE_MESSAGE)


# ------------------------------------------------------------------ exceptions
TRANSIENT_MESSAGE = "injected transient fault"
NON_RETRIABLE_MESSAGE = "injected non-retriable fault"
RETRY_AFTER_MESSAGE = "injected retry-after fault"


def _caller_error(source: ErrorSource) -> _Raise:
    if isinstance(source, BaseException):
        # Raise the caller's instance, without the traceback of its last raise.
        return _Raise(lambda: source.with_traceback(None), source)
    return _Raise(source, source)


# ------------------------------------------------------------------ strategies
def _shown_as_call(
    build: Callable[_P, st.SearchStrategy[_T]],
) -> Callable[_P, st.SearchStrategy[_T]]:
    """``build``, whose strategies' repr is the call as written (``seeds(max_value=9)``).

    The arguments are checked when the strategy is made, as before; the strategy is
    Hypothesis's lazy composite of that call, which draws from what ``build`` returns
    (built once per distinct arguments).
    """
    signature = inspect.signature(build)

    def draw_built(draw: st.DrawFn, *args: Any, **kwargs: Any) -> _T:
        return draw(_built(build, args, kwargs))

    draw_built.__name__ = build.__name__
    draw_built.__qualname__ = build.__qualname__
    first = inspect.Parameter("draw", inspect.Parameter.POSITIONAL_ONLY)
    draw_built.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[first, *signature.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    lazy = st.composite(draw_built)

    @functools.wraps(build)
    def call(*args: _P.args, **kwargs: _P.kwargs) -> st.SearchStrategy[_T]:
        _built(build, args, kwargs)  # checks the arguments now
        bound = signature.bind(*args, **kwargs)
        # Only what differs from the defaults, as a person would write the call.
        given = {
            name: value
            for name, value in bound.arguments.items()
            if signature.parameters[name].default is inspect.Parameter.empty
            or not _same(value, signature.parameters[name].default)
        }
        positional = [
            given.pop(p.name)
            for p in signature.parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and p.name in given
        ]
        return lazy(*positional, **given)

    return call


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


_BUILT: dict[Any, st.SearchStrategy[Any]] = {}


def _built(
    build: Callable[..., st.SearchStrategy[_T]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> st.SearchStrategy[_T]:
    """``build(*args, **kwargs)``, remembered by (typed) value when the arguments hash."""
    try:
        key = (build, _frozen(args), _frozen(kwargs))
        hash(key)
    except TypeError:
        return build(*args, **kwargs)  # an argument that cannot be a key: build each time
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) >= 256:
            _BUILT.clear()
        found = _BUILT[key] = build(*args, **kwargs)
    return found


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return (type(value), tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((k, _frozen(v)) for k, v in value.items()))
    return (type(value), value)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidArgument(message)


def _check_steps(step_ids: Sequence[str]) -> list[str]:
    steps = list(step_ids)
    _check(
        bool(steps) and all(isinstance(s, str) and s for s in steps),
        f"step_ids={steps!r} must be a non-empty list of step ids (globs allowed)",
    )
    _check(len(set(steps)) == len(steps), f"step_ids={steps!r} has duplicates")
    return steps


def _check_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = list(kinds)
    unknown = sorted(set(chosen) - set(KINDS))
    _check(bool(chosen) and not unknown, f"kinds={chosen!r}: choose from {list(KINDS)!r}")
    return chosen


Drawn = tuple[str, int, int | None, _Raise | None]  # kind, count, retry_after, error


def _kind_strategy(
    kind: str,
    failures: st.SearchStrategy[int],
    errors: Sequence[_Raise | None],
    max_retry_after: int,
) -> st.SearchStrategy[Drawn]:
    """One kind's (kind, count, retry_after, error); each part shrinks on its own."""
    if kind == "non_retriable":
        # One failure is all it takes: the step does not retry.
        return st.tuples(st.just(kind), st.just(1), st.none(), st.sampled_from(errors))
    if kind == "retry_after":
        delays = st.integers(min_value=1, max_value=max_retry_after)
        return st.tuples(st.just(kind), failures, delays, st.none())
    return st.tuples(st.just(kind), failures, st.none(), st.none())


@_shown_as_call
def fault_plans(
    step_ids: Sequence[str],
    *,
    min_rules: int = 0,
    max_rules: int = 3,
    kinds: Sequence[str] = KINDS,
    min_failures: int = 1,
    max_failures: int | None = None,
    retries: int = 4,
    non_retriable: Sequence[ErrorSource] | None = None,
    max_retry_after: int = 600,
) -> st.SearchStrategy[GeneratedFaultPlan]:
    """Fault plans where some of ``step_ids`` fail their first attempts.

    Each drawn plan has at most one rule per step. Hypothesis shrinks a failing
    plan by dropping rules, lowering counts, moving rules to earlier steps and
    to earlier ``kinds``.

    Args:
        step_ids: the steps (or step-id globs) that may fail.
        min_rules: the fewest rules in a plan.
        max_rules: the most rules in a plan (at most ``len(step_ids)``).
        kinds: which of ``KINDS`` to draw from, simplest first.
        min_failures: the fewest failing attempts of a step.
        max_failures: the most failing attempts of a step; ``retries`` by default,
            so every transient, lose-response and retry-after fault is recoverable.
            Set it to ``retries + 1`` to also exhaust retries.
        retries: the retries the function under test allows (the SDK's default is 4).
        non_retriable: what a non-retriable fault raises: exceptions, or zero-argument
            callables that build one (e.g. your error with a sensitive-content code);
            ``inngest.NonRetriableError`` by default.
        max_retry_after: the longest ``RetryAfterError`` delay drawn, in seconds.

    Returns:
        A strategy for ``GeneratedFaultPlan`` (a ``FaultPlan``).
    """
    steps = _check_steps(step_ids)
    chosen = _check_kinds(kinds)
    top = max(1, retries) if max_failures is None else max_failures
    _check(retries >= 0, f"retries={retries!r} must be >= 0")
    _check(1 <= min_failures <= top, f"need 1 <= min_failures={min_failures} <= {top}")
    _check(0 <= min_rules <= len(steps), f"min_rules={min_rules!r} must be in 0..{len(steps)}")
    _check(min_rules <= max_rules, f"min_rules={min_rules} > max_rules={max_rules}")
    _check(max_retry_after >= 1, f"max_retry_after={max_retry_after!r} must be >= 1 (seconds)")
    errors = [_caller_error(e) for e in non_retriable] if non_retriable else []
    _check(non_retriable is None or bool(errors), "non_retriable=[] gives nothing to raise")
    failures = st.integers(min_value=min_failures, max_value=top)
    # None: the default inngest.NonRetriableError, built by FaultPlan.non_retriable().
    sources: list[_Raise | None] = [*errors] or [None]
    kind = st.one_of([_kind_strategy(k, failures, sources, max_retry_after) for k in chosen])
    rules = st.lists(
        st.tuples(st.sampled_from(steps), kind),
        min_size=min_rules,
        max_size=min(max_rules, len(steps)),
        unique_by=lambda rule: rule[0],
    )
    return rules.map(lambda drawn: _plan(drawn, retries))


def _plan(drawn: list[tuple[str, Drawn]], retries: int) -> GeneratedFaultPlan:
    faults = [
        InjectedFault(step, kind, count, delay, error)
        for step, (kind, count, delay, error) in drawn
    ]
    return GeneratedFaultPlan(faults, retries=retries)


@_shown_as_call
def events(
    name: str,
    *,
    data: st.SearchStrategy[Mapping[str, Any]] | Mapping[str, Any] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Events named ``name`` whose ``data`` is drawn from ``data``.

    Args:
        name: the event name, e.g. ``"lecture/images.requested"``.
        data: a strategy for the whole ``data`` dict, or a dict whose values are
            strategies (or fixed values); ``{}`` when None.

    Returns:
        A strategy for ``{"name": name, "data": {...}}``, ready for ``sim.run(fn, event=...)``
        or ``sim.send(...)``.
    """
    _check(isinstance(name, str) and bool(name), f"name={name!r} must be a non-empty event name")
    if data is None:
        payload: st.SearchStrategy[Mapping[str, Any]] = st.just({})
    elif isinstance(data, st.SearchStrategy):
        payload = data
    elif isinstance(data, Mapping):
        payload = st.fixed_dictionaries(
            {k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in data.items()}
        )
    else:
        raise InvalidArgument(f"data={data!r} must be a strategy or a dict of strategies")
    return payload.map(lambda d: {"name": name, "data": dict(d)})


@_shown_as_call
def seeds(*, min_value: int = 0, max_value: int = 2**32 - 1) -> st.SearchStrategy[int]:
    """Simulator seeds (run ids, backoff jitter); they shrink towards ``min_value``."""
    _check(0 <= min_value <= max_value, f"need 0 <= min_value={min_value} <= {max_value}")
    return st.integers(min_value=min_value, max_value=max_value)


# ------------------------------------------------------------------ reproducer
def reproducer(seed: int, plan: FaultPlan | None, *, event: Mapping[str, Any] | None = None) -> str:
    """Python that rebuilds ``plan`` and runs the simulator with ``seed``.

    Args:
        seed: the simulator seed of the example.
        plan: its fault plan (any ``FaultPlan``), or None for no faults.
        event: the trigger event, when the example drew one.

    Returns:
        Code to paste into a test (``client``, ``functions`` and ``fn`` are yours).
    """
    program = (plan if plan is not None else FaultPlan())._program()
    program.imports.add("from inngest_sim import Simulator")
    call = Code("sim.run(fn)")
    if event is not None:
        call = join(["sim.run(fn, event=", value_code(dict(event)), ")"], "")
    program.add(
        join(
            [
                f"async with Simulator(client, functions, seed={seed}, faults=plan) as sim:\n",
                "    run = await ",
                call,
            ],
            "",
        ),
        "the run",
    )
    return f"# Reproduce this example (seed={seed}):\n{program.render()}"


def explain(plan: FaultPlan | None, seed: int, *, event: Mapping[str, Any] | None = None) -> str:
    """Attach ``reproducer`` code to the current Hypothesis example.

    Call it at the start of a ``@given`` test: when an example fails, Hypothesis
    prints the note under the minimal failing example. Outside a Hypothesis test
    it only returns the text.

    Args:
        plan: the example's fault plan.
        seed: the example's simulator seed.
        event: the example's trigger event, if any.

    Returns:
        The reproducer code.
    """
    text = reproducer(seed, plan, event=event)
    if hypothesis.currently_in_test_context():
        hypothesis.note(text)
    return text
