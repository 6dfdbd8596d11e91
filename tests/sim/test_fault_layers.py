"""Each fault layer acts on the request that runs the matched step, sequential or parallel.

An injected fault must be indistinguishable, to the executor, from the real thing: an
injected ``NonRetriableError`` is recorded as the raising step's attempt exactly as a real
raise is, and an injected connect error reaches the executor as an ``httpx`` exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, FaultPlan, InvalidArgument, Simulator, parse_fault_rules
from inngest_sim.faults import ApiError, ApiTimeout, FaultRule
from inngest_sim.trace import (
    BodyExecuted,
    FaultApplied,
    RequestSent,
    ResponseHandled,
    RetryScheduled,
)

Fn = Any


def _sequential(
    app_id: str, raise_in: Callable[[], None] | None, ran: list[str]
) -> tuple[inngest.Inngest, Fn]:
    """prepare → target → finish, sequential; ``raise_in`` runs inside ``target``."""
    client = inngest.Inngest(app_id=app_id, is_production=False)

    @client.create_function(fn_id="seq", trigger=inngest.TriggerEvent(event="f/seq"), retries=2)
    async def seq(ctx: inngest.Context) -> str:
        await ctx.step.run("prepare", lambda: "p")

        def target() -> str:
            ran.append("target")
            if raise_in is not None and ran.count("target") == 1:
                raise_in()
            return "t"

        await ctx.step.run("target", target)
        return await ctx.step.run("finish", lambda: "done")

    return client, seq


def _outcomes(run: Any, step: str) -> list[str]:
    return [a.outcome for a in run.steps[step].attempts]


async def _run(
    client: inngest.Inngest, fn: Fn, plan: FaultPlan | None = None
) -> tuple[Any, Simulator]:
    async with Simulator(client, [fn], faults=plan, backoff=Backoff(jitter=0)) as sim:
        return await sim.run(fn), sim


def _non_retriable() -> None:
    raise inngest.NonRetriableError("refused")


def _retry_after() -> None:
    raise inngest.RetryAfterError("slow down", dt.timedelta(seconds=30))


@pytest.mark.parametrize(
    ("really", "inject", "expected"),
    [
        (_non_retriable, lambda p: p.non_retriable(step="target", message="refused"), ["failed"]),
        (
            _retry_after,
            lambda p: p.retry_after(30, step="target", message="slow down"),
            ["error", "ok"],
        ),
    ],
    ids=["non_retriable", "retry_after"],
)
async def test_an_injected_error_on_a_sequential_step_is_recorded_as_a_real_raise_is(
    really: Callable[[], None], inject: Callable[[FaultPlan], Any], expected: list[str]
) -> None:
    real_run, _ = await _run(*_sequential("layers-real", really, []))

    plan = FaultPlan()
    rule = inject(plan)
    injected_run, _ = await _run(*_sequential("layers-injected", None, []), plan)

    assert _outcomes(real_run, "target") == expected
    assert _outcomes(injected_run, "target") == expected
    assert injected_run.status == real_run.status
    assert injected_run.error == real_run.error or (
        injected_run.error is not None
        and real_run.error is not None
        and injected_run.error["name"] == real_run.error["name"]
    )
    assert rule.call_count == 1


@pytest.mark.parametrize(
    ("make_rule", "error_text"),
    [
        (
            lambda p: p.connect_error(step="target", first=1),
            "request failed: ConnectError: connection refused",
        ),
        (lambda p: p.timeout(step="target", first=1), "request failed: ReadTimeout: timed out"),
        (lambda p: p.status(503, step="target", first=1), "invalid status code: 503"),
    ],
    ids=["connect_error", "timeout", "status"],
)
async def test_transport_rules_match_the_request_that_runs_a_sequential_step(
    make_rule: Callable[[FaultPlan], Any], error_text: str
) -> None:
    plan = FaultPlan()
    rule = make_rule(plan)
    ran: list[str] = []
    client, fn = _sequential("layers-transport", None, ran)
    run, sim = await _run(client, fn, plan)

    assert run.status == "Completed", run.error
    assert rule.call_count == 1
    (applied,) = sim.trace.of(FaultApplied)
    assert (applied.layer, applied.step, applied.attempt) == ("request", "target", 0)
    # The request failed before the SDK saw it: the body ran once, on the retry.
    assert ran == ["target"]
    assert [b.step for b in sim.trace.of(BodyExecuted)].count("target") == 1
    # As with a real network failure, the executor cannot tell which step the lost
    # request would have run: the discovery is retried, the step's own attempt is ok.
    assert _outcomes(run, "target") == ["ok"]
    errors = [r.error for r in sim.trace.of(ResponseHandled) if r.error]
    assert len(errors) == 1
    assert error_text in errors[0]["message"]
    assert rule.name in errors[0]["message"]
    (retry,) = sim.trace.of(RetryScheduled)
    assert (retry.step, retry.next_attempt) == (None, 1)


async def test_finding_the_step_a_discovery_would_run_adds_no_request_to_the_trace() -> None:
    plan = FaultPlan()
    plan.connect_error(step="never-runs")
    client, fn = _sequential("layers-dry", None, [])
    with_rule, _ = await _run(client, fn, plan)
    client, fn = _sequential("layers-dry", None, [])
    without, _ = await _run(client, fn)

    assert with_rule.status == without.status == "Completed"
    assert len(with_rule.requests) == len(without.requests)
    assert len(with_rule.trace.of(RequestSent)) == len(without.trace.of(RequestSent))
    assert plan.rules[0].call_count == 0


async def test_a_status_rule_on_a_parallel_step_still_hits_its_targeted_request() -> None:
    client = inngest.Inngest(app_id="layers-parallel", is_production=False)
    ran: list[str] = []

    @client.create_function(fn_id="par", trigger=inngest.TriggerEvent(event="f/par"))
    async def par(ctx: inngest.Context) -> list[str]:
        def make(name: str) -> Callable[[], Any]:
            def body() -> str:
                ran.append(name)
                return name

            return lambda: ctx.step.run(name, body)

        return list(await ctx.group.parallel((make("a"), make("b"))))

    plan = FaultPlan()
    rule = plan.status(502, step="b", first=1)
    run, _ = await _run(client, par, plan)

    assert run.status == "Completed"
    assert _outcomes(run, "b") == ["error", "ok"]
    assert _outcomes(run, "a") == ["ok"]
    assert rule.call_count == 1
    assert sorted(ran) == ["a", "b"]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p.transient(step="a", first=0), "first=0 must be a whole number >= 1"),
        (lambda p: p.transient(step="a", frist=2), "unknown option frist= (did you mean first=?)"),
        (lambda p: p.transient(step="a", attempt=1), "did you mean attempts=?"),
        (lambda p: p.transient(step=5), "step=5 must be a non-empty string"),
        (
            lambda p: p.transient(step="a", function=["x"]),
            "function=['x'] must be a non-empty string",
        ),
        (lambda p: p.transient(step="a", attempts=[-1]), "attempts=[-1] must be an attempt number"),
        (
            lambda p: p.transient(step="a", probability=2),
            "probability=2 must be a number in (0, 1]",
        ),
        (lambda p: p.transient(step="a", when=3), "when=3 must be a callable"),
        (lambda p: p.retry_after(float("nan"), step="a"), "must be a positive, finite duration"),
        (lambda p: p.status(True), "an injected status must be an int"),
        (lambda p: p.api_error(["events"]), "endpoint=['events']: choose one of"),
    ],
)
def test_bad_rule_options_are_refused_with_the_valid_choices(
    build: Callable[[FaultPlan], Any], message: str
) -> None:
    with pytest.raises(InvalidArgument) as caught:
        build(FaultPlan())
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("transient:a:frist=2", "unknown option frist= (did you mean first=?)"),
        (
            "transient:a:code=502",
            "transient takes message=, first=, attempts=, function=, probability=",
        ),
        ("lost:a", "unknown kind 'lost'"),
        ("lose_respons:a", "did you mean lose_response?"),
        ("status:a:code=abc", "option code='abc' must be a whole number"),
        ("transient:a:first=0", "first=0 must be a whole number >= 1"),
        ("transient:a:probability=often", "option probability='often' must be a number"),
    ],
)
def test_bad_rule_strings_are_refused_with_the_valid_choices(rule: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_fault_rules([rule])
    assert message in str(caught.value)
    assert repr(rule) in str(caught.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda p: p.api_error("events", status=503, first=1), "first= can never match"),
        (lambda p: p.api_timeout("publish", attempts=[0]), "attempts= can never match"),
        (lambda p: p.api_error("events", function="notify"), "function='notify' cannot narrow"),
        (
            lambda p: p.add(ApiError("events"), step="publish"),
            "step='publish' can never match: an API rule matches its endpoint ('events')",
        ),
        (
            lambda p: FaultPlan([FaultRule("r", ApiTimeout("register"), first=2)]),
            "first= can never match",
        ),
    ],
)
def test_an_api_rule_option_that_could_never_match_is_refused_when_built(
    build: Callable[[FaultPlan], Any], message: str
) -> None:
    # The SDK's calls to the Inngest API carry no attempt number and name no function.
    plan = FaultPlan()
    with pytest.raises(InvalidArgument) as caught:
        build(plan)
    assert message in str(caught.value)
    if "can never match" in message and "step=" not in message:
        assert "pass when= a predicate that counts them" in str(caught.value)  # the fix
    assert plan.rules == []


@pytest.mark.parametrize("option", ["first=1", "attempts=0", "function=notify"])
def test_an_api_rule_string_with_an_option_that_could_never_match_is_refused(
    option: str,
) -> None:
    rule = f"api_error:events:status=503,{option}"
    with pytest.raises(InvalidArgument) as caught:
        parse_fault_rules([rule])
    message = str(caught.value)
    assert repr(rule) in message
    key = option.partition("=")[0]
    assert f"option {key}= can never match an api_error rule" in message
    assert "api_error takes status=, probability=" in message


async def test_the_counting_when_the_refusal_suggests_fails_only_the_first_calls() -> None:
    client = inngest.Inngest(app_id="faults-api-first", is_production=False)

    @client.create_function(fn_id="notify", trigger=inngest.TriggerEvent(event="f/notify"))
    async def notify(ctx: inngest.Context) -> list[str]:
        return await ctx.step.send_event("send", inngest.Event(name="f/sent"))

    plan = FaultPlan()
    calls = iter(range(1))
    rule = plan.api_error("events", status=503, when=lambda ctx: next(calls, None) is not None)
    async with Simulator(client, [notify], faults=plan) as sim:
        run = await sim.run(notify)

    assert run.status == "Completed"
    assert rule.call_count == 1
    assert [e["name"] for e in sim.events if e["name"] == "f/sent"] == ["f/sent"]


def test_a_single_string_instead_of_a_list_of_rules_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="pass a list of rule strings"):
        parse_fault_rules("transient:a")  # type: ignore[arg-type]


async def test_each_application_is_recorded_once_and_rule_calls_is_a_view_of_it() -> None:
    plan = FaultPlan()
    rule = plan.transient(step="target", first=2)
    client, fn = _sequential("layers-once", None, [])
    run, sim = await _run(client, fn, plan)

    assert run.status == "Completed"
    applied = sim.trace.of(FaultApplied)
    assert len(applied) == 2
    assert rule.calls == applied
    assert [(c.layer, c.step, c.attempt) for c in rule.calls] == [
        ("step", "target", 0),
        ("step", "target", 1),
    ]
