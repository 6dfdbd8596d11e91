"""A number a 64-bit float cannot hold, refused at every door an event comes through.

The Go server reads an event's ``data`` and ``user`` as float64 numbers and its ``ts`` as an
int64 (``pkg/api/api.go`` decodes each event of a send into its ``raw`` struct), and a
generator opcode's ``opts`` as float64 (``pkg/execution/state/opcode.go``). Each expected
value below is what ``inngest dev`` (built from github.com/inngest/inngest) answered.
"""

from __future__ import annotations

import datetime as dt
import json

import httpx
import inngest
import pytest

from inngest_sim import EventRejected, Simulator

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BIG = 10**400
BIG_TEXT = "1" + "0" * 400
GO_DATA = "into Go struct field raw.data of type float64"


def _echo(client: inngest.Inngest) -> inngest.Function:
    @client.create_function(fn_id="echo", trigger=inngest.TriggerEvent(event="app/echo"))
    async def echo(ctx: inngest.Context) -> object:
        return dict(ctx.event.data)

    return echo


def _post(sim: Simulator, body: str) -> httpx.Response:
    assert sim.api is not None
    request = httpx.Request(
        "POST",
        "http://inngest-sim.invalid/e/key",
        content=body.encode(),
        headers={"content-type": "application/json"},
    )
    return sim.api.handle(request)


async def test_the_event_api_refuses_an_integer_past_a_float64(client: inngest.Inngest) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        answer = _post(
            sim, '{"name": "app/echo", "data": {"n": NUMBER}}'.replace("NUMBER", BIG_TEXT)
        )
        await sim.settle()
        runs = sim.runs

    # Seen: 400 {"ids":[""],"status":400,"error":"json: cannot unmarshal number 1000...0
    # into Go struct field raw.data of type float64"} (the whole literal echoed).
    assert answer.status_code == 400
    body = answer.json()
    assert body["ids"] == [""]
    assert body["status"] == 400
    assert body["error"].startswith("json: cannot unmarshal number 10000000000000000000...")
    assert GO_DATA in body["error"]
    assert "(401 digits)" in body["error"]  # shortened here: Go echoes all 401
    assert runs == []


async def test_the_events_before_the_bad_one_are_taken(client: inngest.Inngest) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        events = [
            {"name": "app/echo", "data": {"n": 3}},
            {"name": "app/echo", "data": {"n": "BIG"}},
            {"name": "app/echo", "data": {"n": 4}},
        ]
        answer = _post(sim, json.dumps(events).replace('"BIG"', BIG_TEXT))
        await sim.settle()
        outputs = [run.output for run in sim.runs]

    # Seen for [3, 10**400, 4]: 400 with one id; the run of 3 ran, 4 was never taken.
    assert answer.status_code == 400
    assert len(answer.json()["ids"]) == 1
    assert answer.json()["ids"][0]
    assert outputs == [{"n": 3}]


@pytest.mark.parametrize(
    ("literal", "taken"),
    [
        ("1" + "0" * 308, True),  # 10**308: seen taken (the function saw 1e+308)
        ("18446744073709551616", True),  # 2**64: seen taken, as 18446744073709552000
        ("1e-400", True),  # seen taken, as 0
        ("1" + "0" * 309, False),  # 10**309: seen refused
        ("1.7976931348623159e308", False),  # rounds past the largest float64: seen refused
        ("-1e400", False),
    ],
)
async def test_the_bound_is_the_float64_range_not_a_digit_count(
    client: inngest.Inngest, literal: str, taken: bool
) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        answer = _post(
            sim, '{"name": "app/echo", "data": {"n": NUMBER}}'.replace("NUMBER", literal)
        )
        await sim.settle()
        runs = sim.runs

    assert (answer.status_code == 200) is taken, answer.text
    assert len(runs) == int(taken)
    if not taken:
        assert GO_DATA in answer.json()["error"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ('{"name": "app/echo", "data": {"a": [1, {"b": NUMBER}]}}', "raw.data of type float64"),
        ('{"name": "app/echo", "user": {"n": NUMBER}}', "raw.user of type float64"),
        ('{"name": "app/echo", "ts": NUMBER}', "raw.ts of type int64"),
    ],
)
async def test_every_number_field_of_an_event_is_checked(
    client: inngest.Inngest, event: str, field: str
) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        answer = _post(sim, event.replace("NUMBER", BIG_TEXT))

    # Seen: "... into Go struct field raw.user of type float64", "... raw.ts of type int64".
    assert answer.status_code == 400
    assert f"into Go struct field {field}" in answer.json()["error"]


async def test_sim_send_and_sim_run_refuse_it_too(client: inngest.Inngest) -> None:
    echo = _echo(client)
    async with Simulator(client, [echo], start=START) as sim:
        with pytest.raises(EventRejected, match=f"{BIG_TEXT[:20]}.*{GO_DATA}"):
            await sim.send({"name": "app/echo", "data": {"n": BIG}})
        with pytest.raises(EventRejected, match=r"raw\.user of type float64"):
            await sim.send([{"name": "app/echo"}, {"name": "app/echo", "user": {"n": -BIG}}])
        with pytest.raises(EventRejected, match=GO_DATA):
            await sim.run(echo, data={"n": BIG})
        assert sim.runs == []


async def test_step_send_event_fails_the_step_with_the_event_apis_message(
    client: inngest.Inngest,
) -> None:
    @client.create_function(fn_id="sender", trigger=inngest.TriggerEvent(event="app/send"))
    async def sender(ctx: inngest.Context) -> dict[str, str]:
        try:
            await ctx.step.send_event("send", inngest.Event(name="app/echo", data={"n": BIG}))
        except inngest.StepError as exc:
            return {"error": exc.name, "message": exc.message}
        return {"error": "none"}

    async with Simulator(client, [sender, _echo(client)], start=START) as sim:
        (run,) = await sim.trigger({"name": "app/send", "data": {}})
        echoed = [r for r in sim.runs if r.function_id.endswith("-echo")]

    # Seen: the SDK's send step raised StepError "json: cannot unmarshal number 1000...0
    # into Go struct field raw.data of type float64"; nothing was sent.
    assert run.output["message"].startswith("json: cannot unmarshal number 1000")
    assert GO_DATA in run.output["message"]
    assert echoed == []


async def test_step_invoke_with_such_data_fails_the_run(client: inngest.Inngest) -> None:
    echo = _echo(client)

    @client.create_function(fn_id="invoker", trigger=inngest.TriggerEvent(event="app/invoke"))
    async def invoker(ctx: inngest.Context) -> object:
        return await ctx.step.invoke("call", function=echo, data={"n": BIG})

    async with Simulator(client, [echo, invoker], start=START) as sim:
        (run,) = await sim.trigger({"name": "app/invoke", "data": {}})
        children = [r for r in sim.runs if r.function_id.endswith("-echo")]

    # pkg/execution/state/opcode.go: the opcode's opts are read as float64. Seen: the run
    # Failed with {"name": "Error", "message": "error reading generator opcode response:
    # json: cannot unmarshal number 1000...0 into Go struct field GeneratorOpcode.opts of
    # type float64"}, and no child ran.
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "Error"
    message = run.error["message"]
    assert message.startswith(
        "error reading generator opcode response: json: cannot unmarshal number 1000"
    )
    assert message.endswith("into Go struct field GeneratorOpcode.opts of type float64")
    assert children == []


async def test_a_step_output_past_a_float64_fails_the_run_at_once(client: inngest.Inngest) -> None:
    calls: list[int] = []

    @client.create_function(
        fn_id="big-step", trigger=inngest.TriggerEvent(event="app/big-step"), retries=1
    )
    async def big_step(ctx: inngest.Context) -> str:
        calls.append(ctx.attempt)
        await ctx.step.run("s", lambda: {"n": BIG})
        return "done"

    async with Simulator(client, [big_step], start=START) as sim:
        (run,) = await sim.trigger({"name": "app/big-step", "data": {}})

    # pkg/execution/driver/driver.go: the next request is canonicalised (JCS) and cannot be.
    # Seen with retries=1: the run Failed with {"name": "Error", "message": "error
    # transforming request with JCS: strconv.ParseFloat: parsing \"1000...0\": value out of
    # range"} and the function was called once only.
    assert run.status == "Failed"
    assert run.error is not None
    assert run.error["name"] == "Error"
    assert run.error["message"].startswith(
        'error transforming request with JCS: strconv.ParseFloat: parsing "1000'
    )
    assert run.error["message"].endswith('": value out of range')
    assert calls == [0]


async def test_client_send_through_the_api_host_is_refused_and_no_wait_sees_it(
    client: inngest.Inngest,
) -> None:
    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="app/wait"))
    async def waiter(ctx: inngest.Context) -> object:
        got = await ctx.step.wait_for_event(
            "w", event="app/reply", if_exp="async.data.n > 0", timeout=dt.timedelta(minutes=1)
        )
        return None if got is None else got.data["n"]

    async with Simulator(client, [waiter], start=START) as sim:
        with sim.hold_time():
            (waiting,) = await sim.send({"name": "app/wait", "data": {}})
            await sim.settle()
            # The SDK's own send (POST /e/{key} on the simulator's API host) gets the 400.
            with pytest.raises(Exception, match=GO_DATA) as caught:
                await client.send(inngest.Event(name="app/reply", data={"n": BIG}))
            assert type(caught.value).__name__ == "SendEventsError"  # the SDK's, not public
            await client.send(inngest.Event(name="app/reply", data={"n": 10**308}))
        await sim.settle()
        (run,) = sim.runs_for(waiting)

    assert run.output == 1e308  # only the event Go takes reached the wait


SENT_NUMBERS = {
    "n": 1.0,
    "m": 2**53 + 1,
    "k": 123456789012345678,
    "z": -0.0,
    "e": 1e21,
    "f": 0.1,
    "big": 2**64,
}
# Seen: the function got {"e": 1e+21, "f": 0.1, "k": 123456789012345680, "m": 9007199254740992,
# "n": 1, "z": 0} (and 18446744073709552000 for 2**64): each number read as a float64 and
# written as JCS writes it (pkg/execution/driver/driver.go), then read by the SDK.
SEEN_NUMBERS = {
    "n": 1,
    "m": 9007199254740992,
    "k": 123456789012345680,
    "z": 0,
    "e": 1e21,
    "f": 0.1,
    "big": 18446744073709552000,
}


@pytest.mark.parametrize("door", ["sim.send", "Event API"])
async def test_a_function_sees_event_numbers_as_float64s(
    client: inngest.Inngest, door: str
) -> None:
    async with Simulator(client, [_echo(client)], start=START) as sim:
        event = {"name": "app/echo", "data": SENT_NUMBERS}
        if door == "sim.send":
            await sim.send(event)
        else:
            assert _post(sim, json.dumps(event)).status_code == 200
        await sim.settle()
        (run,) = sim.runs

    assert run.output == SEEN_NUMBERS
    assert [type(run.output[k]) for k in SEEN_NUMBERS] == [type(v) for v in SEEN_NUMBERS.values()]


async def test_an_invoked_function_sees_its_data_as_float64s(client: inngest.Inngest) -> None:
    echo = _echo(client)

    @client.create_function(fn_id="invoker", trigger=inngest.TriggerEvent(event="app/invoke"))
    async def invoker(ctx: inngest.Context) -> object:
        return await ctx.step.invoke("call", function=echo, data=SENT_NUMBERS)

    async with Simulator(client, [echo, invoker], start=START) as sim:
        (run,) = await sim.trigger({"name": "app/invoke", "data": {}})

    # The opcode's opts are float64s on the server (its error above names
    # GeneratorOpcode.opts of type float64); not sent through the Go server with these values.
    child = {k: v for k, v in run.output.items() if k != "_inngest"}
    assert child == SEEN_NUMBERS
