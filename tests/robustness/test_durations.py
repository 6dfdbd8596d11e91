"""An SDK answer with an absurd duration fails with a message that says what is wrong.

A 400-digit sleep duration is a duration in form, but longer than a float of seconds can
hold: the message says so, shows the text by its ends and length (not 400 digits), and
never calls it "neither an ISO-8601 time nor a duration".
"""

from __future__ import annotations

import datetime as dt
import json

import inngest
import pytest

from inngest_sim import Simulator
from inngest_sim._protocol import ProtocolError, parse_sleep_target, parse_time_or_duration
from inngest_sim.trace import ResponseHandled

from ._garbage import SDK, Answer, GarbageApp

HUGE = "1" + "0" * 400 + "s"
SAID = "'100000000000000000000000'...'00000000000s' (402 characters) is a duration too long"


@pytest.mark.parametrize(
    "parse",
    [
        lambda: parse_sleep_target(HUGE, {}, 0.0),
        lambda: parse_sleep_target("s", {"duration": HUGE}, 0.0),
        lambda: parse_time_or_duration(HUGE, 0.0),
    ],
    ids=["sleep name", "sleep opts.duration", "wait timeout"],
)
def test_a_400_digit_duration_is_called_too_long_and_shown_short(parse: object) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse()  # type: ignore[operator]
    message = str(caught.value)
    assert message.startswith(SAID)
    assert "may last at most one year" in message
    assert "neither" not in message
    assert len(message) < 250


async def test_an_sdk_answer_with_a_400_digit_sleep_fails_the_attempt_saying_why() -> None:
    client = inngest.Inngest(app_id="durations", is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="d/f"), retries=1)
    async def f(ctx: inngest.Context) -> str:
        return await ctx.step.run("work", lambda: "done")

    sleep = json.dumps([{"op": "Sleep", "id": "nap", "name": HUGE}]).encode()
    app = GarbageApp(client, [f], [Answer(206, SDK, sleep)])
    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run("durations-f", timeout=dt.timedelta(days=1))

    # The Go server (inngest dev, built from source) was seen to do the same with this
    # answer: it refused it (`error handling generator response: time: invalid duration
    # "1000...0s"`, from GeneratorOpcode.SleepDuration in pkg/execution/state/opcode.go),
    # retried, reached the real SDK and completed the run.
    assert run.status == "Completed"  # the retry reached the real SDK
    (message,) = [r.error["message"] for r in run.trace.of(ResponseHandled) if r.error]
    assert "op #0 (Sleep nap): " + SAID in message
    assert "0" * 100 not in message


async def test_a_300_digit_sleep_fails_the_run_as_too_long_and_is_shown_short() -> None:
    client = inngest.Inngest(app_id="durations-long", is_production=False)

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="d/f"), retries=0)
    async def f(ctx: inngest.Context) -> str:
        return await ctx.step.run("work", lambda: "done")

    long = "9" * 300 + "s"  # finite: past Inngest's one-year limit on a sleep
    op = {"op": "Sleep", "id": "nap", "name": long, "displayName": "nap"}
    sleep = json.dumps([op]).encode()
    app = GarbageApp(client, [f], [Answer(206, SDK, sleep)])
    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run("durations-long-f", timeout=dt.timedelta(days=1))

    assert run.status == "Failed"
    assert run.error["name"] == "InngestErrTimeoutTooLong"
    assert run.error["message"] == (
        'The sleep "nap" ends more than one year in the future (999999999999999999999999'
        "...99999999999s, 301 characters); sleeps may last at most one year."
    )
