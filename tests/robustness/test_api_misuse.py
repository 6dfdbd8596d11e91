"""Every wrong-typed or out-of-range argument is refused by name, with what was wrong and a fix.

One table: the call, the error it must raise, and text the message must contain (the
parameter and the value given). Nothing may escape as a raw ``TypeError`` or
``AttributeError``, nor be accepted silently.
"""

from __future__ import annotations

import datetime as dt
import math
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import inngest
import pytest

from inngest_sim import (
    Backoff,
    EventRejected,
    FaultPlan,
    InvalidArgument,
    Limits,
    RealClock,
    SimError,
    Simulator,
    UnknownFunctionError,
    VirtualClock,
)

client = inngest.Inngest(app_id="misuse", is_production=False)


@client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="m/f"))
async def f(ctx: inngest.Context) -> str:
    return await ctx.step.run("a", lambda: "ok")


def build(**options: Any) -> Callable[[], Any]:
    return lambda: Simulator(client, [f], **options)


NAIVE = dt.datetime(2030, 1, 1)

CONSTRUCTION: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("start a string", build(start="2024-01-01"), InvalidArgument, "start='2024-01-01' (str)"),
    ("start naive", build(start=NAIVE), InvalidArgument, "naive datetime"),
    ("start nan", build(start=math.nan), InvalidArgument, "start=nan"),
    ("start inf", build(start=math.inf), InvalidArgument, "start=inf"),
    (
        "limits a string",
        build(limits="strict"),
        InvalidArgument,
        "limits='strict' (str): expected a Limits",
    ),
    ("backoff a string", build(backoff="fast"), InvalidArgument, "backoff='fast'"),
    ("faults a list", build(faults=["transient:a"]), InvalidArgument, "expected a FaultPlan"),
    ("ai_client a string", build(ai_client="x"), InvalidArgument, "ai_client='x'"),
    ("request_timeout 0", build(request_timeout=0), InvalidArgument, "request_timeout=0"),
    ("request_timeout negative", build(request_timeout=-1), InvalidArgument, "request_timeout=-1"),
    (
        "request_timeout nan",
        build(request_timeout=math.nan),
        InvalidArgument,
        "request_timeout=nan",
    ),
    (
        "request_timeout a string",
        build(request_timeout="30"),
        InvalidArgument,
        "request_timeout='30'",
    ),
    (
        "request_latency nan",
        build(request_latency=math.nan),
        InvalidArgument,
        "request_latency=nan",
    ),
    ("request_latency negative", build(request_latency=-1), InvalidArgument, "request_latency=-1"),
    (
        "request_latency a string",
        build(request_latency="fast"),
        InvalidArgument,
        "request_latency='fast'",
    ),
    (
        "max_requests_per_run -1",
        build(max_requests_per_run=-1),
        InvalidArgument,
        "max_requests_per_run=-1",
    ),
    (
        "max_requests_per_run 0",
        build(max_requests_per_run=0),
        InvalidArgument,
        "max_requests_per_run=0",
    ),
    (
        "max_requests_per_run a float",
        build(max_requests_per_run=1.5),
        InvalidArgument,
        "max_requests_per_run=1.5",
    ),
    ("seed a string", build(seed="a"), InvalidArgument, "seed='a'"),
    ("seed a float", build(seed=1.5), InvalidArgument, "seed=1.5"),
    ("freeze_time a string", build(freeze_time="yes"), InvalidArgument, "freeze_time='yes'"),
    (
        "fail_on_assertion an int",
        build(fail_on_assertion=1),
        InvalidArgument,
        "fail_on_assertion=1",
    ),
    ("client a string", lambda: Simulator("app", [f]), InvalidArgument, "client='app'"),
    ("functions one function", lambda: Simulator(client, f), InvalidArgument, "functions="),
    ("functions of strings", lambda: Simulator(client, ["f"]), InvalidArgument, "functions[0]='f'"),
    ("functions a string", lambda: Simulator(client, "f"), InvalidArgument, "functions='f'"),
    (
        "serve_path without a slash",
        build(serve_path="no-slash"),
        InvalidArgument,
        "serve_path='no-slash'",
    ),
    ("signing_key empty", build(signing_key=""), InvalidArgument, "signing_key=''"),
    ("backend a string", build(backend="http"), InvalidArgument, "backend='http'"),
    ("clock a function", build(clock=math.floor), InvalidArgument, "clock="),
    (
        "clock and start",
        build(clock=VirtualClock(), start=0.0),
        InvalidArgument,
        "either clock= or start=",
    ),
    (
        "completion_order a string",
        build(completion_order="a"),
        InvalidArgument,
        "completion_order='a'",
    ),
    (
        "completion_order a bool",
        build(completion_order=True),
        InvalidArgument,
        "completion_order=True",
    ),
    (
        "latency and order",
        build(request_latency=1, completion_order=3),
        InvalidArgument,
        "not both",
    ),
    ("Limits nan", lambda: Limits(max_steps=math.nan), InvalidArgument, "Limits.max_steps=nan"),
    (
        "Limits a float count",
        lambda: Limits(max_steps=1.5),
        InvalidArgument,
        "Limits.max_steps=1.5",
    ),
    (
        "Limits inf",
        lambda: Limits(max_sleep_seconds=math.inf),
        InvalidArgument,
        "max_sleep_seconds=inf",
    ),
    ("Limits a bool", lambda: Limits(max_steps=True), InvalidArgument, "Limits.max_steps=True"),
    (
        "Backoff nan step",
        lambda: Backoff(table=(math.nan,)),
        InvalidArgument,
        "Backoff.table=(nan,)",
    ),
    ("Backoff nan jitter", lambda: Backoff(jitter=math.nan), InvalidArgument, "Backoff.jitter=nan"),
    ("Backoff inf jitter", lambda: Backoff(jitter=math.inf), InvalidArgument, "Backoff.jitter=inf"),
    ("Backoff empty", lambda: Backoff(table=()), InvalidArgument, "Backoff.table=()"),
    ("Backoff negative", lambda: Backoff(table=(-1,)), InvalidArgument, "Backoff.table=(-1,)"),
    ("VirtualClock a string", lambda: VirtualClock("x"), InvalidArgument, "start='x'"),
    (
        "advance a clock by nan",
        lambda: VirtualClock(0).advance(math.nan),
        InvalidArgument,
        "seconds=nan",
    ),
    ("advance a clock back", lambda: VirtualClock(0).advance(-1), InvalidArgument, "seconds=-1"),
    (
        "from_url without a scheme",
        lambda: Simulator.from_url("localhost:8000"),
        InvalidArgument,
        "url='localhost:8000'",
    ),
    ("from_url a number", lambda: Simulator.from_url(5), InvalidArgument, "url=5"),  # type: ignore[arg-type]
    (
        "from_url port -1",
        lambda: Simulator.from_url("http://127.0.0.1:1/api", api_port=-1),
        InvalidArgument,
        "api_port=-1",
    ),
    (
        "from_url port too big",
        lambda: Simulator.from_url("http://127.0.0.1:1/api", api_port=70000),
        InvalidArgument,
        "api_port=70000",
    ),
    (
        "from_url port a string",
        lambda: Simulator.from_url("http://127.0.0.1:1/api", api_port="x"),
        InvalidArgument,
        "api_port='x'",
    ),  # type: ignore[arg-type]
    ("from_app not an app", lambda: Simulator.from_app(5), InvalidArgument, "app=5"),
]


@pytest.mark.parametrize(
    ("make", "error", "text"),
    [case[1:] for case in CONSTRUCTION],
    ids=[case[0] for case in CONSTRUCTION],
)
def test_construction_refuses_bad_arguments(
    make: Callable[[], Any], error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as caught:
        make()
    assert text in str(caught.value)


Use = Callable[[Simulator], Awaitable[Any]]
IN_USE: list[tuple[str, Use, type[Exception], str]] = [
    ("run with list data", lambda s: s.run(f, data=[1, 2]), InvalidArgument, "data=[1, 2] (list)"),
    (
        "run with non-JSON data",
        lambda s: s.run(f, data={"t": object()}),
        InvalidArgument,
        "not JSON",
    ),
    ("run with NaN data", lambda s: s.run(f, data={"x": math.nan}), InvalidArgument, "not JSON"),
    (
        "run with a nameless event",
        lambda s: s.run(f, event={"name": 5}),
        EventRejected,
        "needs a 'name' string",
    ),
    (
        "run with a string event",
        lambda s: s.run(f, event="m/f"),
        InvalidArgument,
        "event='m/f' (str)",
    ),
    ("run with no events", lambda s: s.run(f, events=[]), InvalidArgument, "events=[] is empty"),
    (
        "run with one event as events",
        lambda s: s.run(f, events={"name": "m/f"}),
        InvalidArgument,
        "expected a list of events",
    ),
    (
        "run with data and event",
        lambda s: s.run(f, data={}, event={"name": "m/f"}),
        InvalidArgument,
        "not several",
    ),
    ("run with a string timeout", lambda s: s.run(f, timeout="5"), InvalidArgument, "timeout='5'"),
    ("run with a negative timeout", lambda s: s.run(f, timeout=-1), InvalidArgument, "timeout=-1"),
    (
        "run with a NaN timeout",
        lambda s: s.run(f, timeout=math.nan),
        InvalidArgument,
        "timeout=nan",
    ),
    (
        "run an unknown function",
        lambda s: s.run("nope"),
        UnknownFunctionError,
        "no function 'nope'",
    ),
    ("run a number", lambda s: s.run(5), InvalidArgument, "fn=5"),
    ("send None", lambda s: s.send(None), InvalidArgument, "events=None"),  # type: ignore[arg-type]
    ("send a string", lambda s: s.send("m/f"), InvalidArgument, "events='m/f' (str)"),  # type: ignore[arg-type]
    ("send a list of numbers", lambda s: s.send([1]), InvalidArgument, "events[0]=1 (int)"),  # type: ignore[list-item]
    (
        "send data that is a list",
        lambda s: s.send({"name": "m/f", "data": [1]}),
        EventRejected,
        "data must be an object",
    ),
    (
        "send non-JSON data",
        lambda s: s.send({"name": "m/f", "data": {"t": object()}}),
        InvalidArgument,
        "not JSON",
    ),
    (
        "trigger a list",
        lambda s: s.trigger([{"name": "m/f"}]),
        InvalidArgument,
        "use send() for a list",
    ),  # type: ignore[arg-type]
    (
        "wait for an unknown run",
        lambda s: s.wait("x"),
        InvalidArgument,
        "run_id='x' (str): no such run",
    ),
    ("wait for a number", lambda s: s.wait(5), InvalidArgument, "run_id=5 (int)"),  # type: ignore[arg-type]
    ("settle with a string", lambda s: s.settle(timeout="soon"), InvalidArgument, "timeout='soon'"),  # type: ignore[arg-type]
    ("advance by nan", lambda s: s.advance(math.nan), InvalidArgument, "delta=nan"),
    ("advance backwards", lambda s: s.advance(-1), InvalidArgument, "delta=-1"),
    ("advance by a string", lambda s: s.advance("1h"), InvalidArgument, "delta='1h'"),  # type: ignore[arg-type]
    (
        "check_replay of an unknown run",
        lambda s: s.check_replay("nope"),
        InvalidArgument,
        "run_id='nope'",
    ),
]


@pytest.mark.parametrize(
    ("use", "error", "text"), [case[1:] for case in IN_USE], ids=[case[0] for case in IN_USE]
)
async def test_methods_refuse_bad_arguments(use: Use, error: type[Exception], text: str) -> None:
    async with Simulator(client, [f]) as sim:
        with pytest.raises(error) as caught:
            await use(sim)
    assert text in str(caught.value)


async def test_a_result_for_an_unknown_run_is_refused() -> None:
    async with Simulator(client, [f]) as sim:
        with pytest.raises(InvalidArgument, match="run_id='nope'"):
            sim.result("nope")


async def test_time_cannot_be_held_on_a_real_clock() -> None:
    async with Simulator(client, [f], clock=RealClock()) as sim:
        with pytest.raises(InvalidArgument, match="needs a virtual clock"), sim.hold_time():
            pass


async def test_a_closed_port_says_it_cannot_reach_the_url() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/inngest"
    with pytest.raises(SimError, match=f"cannot reach the serve endpoint at {url}"):
        async with Simulator.from_url(url, client=client):
            pass


async def test_a_latency_callable_that_returns_nan_fails_loudly_instead_of_spinning() -> None:
    async with Simulator(client, [f], request_latency=lambda fn, step: math.nan) as sim:
        with pytest.raises(InvalidArgument, match="returned nan"):
            await sim.run(f, timeout=dt.timedelta(hours=1))


def test_a_fault_plan_refuses_a_bad_seed() -> None:
    # FaultPlan's own options are covered in tests/sim/test_fault_layers.py.
    with pytest.raises(InvalidArgument, match="seed="):
        FaultPlan(seed="x")  # type: ignore[arg-type]


def test_a_production_client_without_a_signing_key_says_how_to_test_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INNGEST_DEV", raising=False)
    monkeypatch.delenv("INNGEST_SIGNING_KEY", raising=False)
    prod = inngest.Inngest(app_id="prod-no-key", is_production=True)

    @prod.create_function(fn_id="g", trigger=inngest.TriggerEvent(event="m/g"))
    async def g(ctx: inngest.Context) -> None:
        return None

    with pytest.raises(InvalidArgument) as caught:
        Simulator(prod, [g])
    message = str(caught.value)
    assert "is_production=False" in message
    assert "INNGEST_DEV=1" in message
    assert "signing_key=" in message
