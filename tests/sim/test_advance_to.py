"""``sim.advance_to(when)``: virtual time to a moment, as ``advance`` moves it by a duration."""

from __future__ import annotations

import datetime as dt

import inngest
import pytest

from inngest_sim import InvalidArgument, Simulator, SyncSimulator

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _napper() -> tuple[inngest.Inngest, inngest.Function[str]]:
    client = inngest.Inngest(app_id="advance-to", is_production=False)

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="t/nap"))
    async def nap(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(hours=1))
        return await ctx.step.run("wake", lambda: dt.datetime.now(dt.UTC).isoformat())

    return client, nap


async def test_advance_to_runs_what_is_due_and_stops_at_the_moment() -> None:
    client, nap = _napper()
    async with Simulator(client, [nap], start=START) as sim:
        with sim.hold_time():
            (event_id,) = await sim.send({"name": "t/nap"})
            await sim.advance_to(START + dt.timedelta(minutes=30))
            assert sim.clock.now() == (START + dt.timedelta(minutes=30)).timestamp()
            (run,) = sim.runs_for(event_id)
            assert run.status == "Running"
            # Another zone names the same instant: 10:30 in Paris is 09:30 UTC.
            paris = dt.timezone(dt.timedelta(hours=1))
            await sim.advance_to(dt.datetime(2026, 3, 1, 10, 30, tzinfo=paris))
            assert sim.clock.now() == (START + dt.timedelta(minutes=30)).timestamp()
            await sim.advance_to(START + dt.timedelta(hours=2))
            (run,) = sim.runs_for(event_id)

    assert run.status == "Completed"
    assert run.output == (START + dt.timedelta(hours=1)).isoformat()
    assert sim.clock.now() == (START + dt.timedelta(hours=2)).timestamp()


def test_the_sync_simulator_has_it_too() -> None:
    client, nap = _napper()
    with SyncSimulator(client, [nap], start=START) as sim, sim.hold_time():
        (event_id,) = sim.send({"name": "t/nap"})
        sim.advance_to(START + dt.timedelta(hours=1, seconds=1))
        (run,) = sim.runs_for(event_id)
        assert run.status == "Completed"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (dt.datetime(2026, 3, 1, 10, 0), r"a naive datetime; pass an aware one"),
        (
            START - dt.timedelta(minutes=5),
            r"is 0:05:00 before the simulator's now \(2026-03-01T09:00",
        ),
        (3600, r"when=3600 \(int\): expected an aware datetime.*advance\(timedelta\)"),
        ("2026-03-01T10:00Z", r"expected an aware datetime"),
    ],
)
async def test_bad_moments_are_refused_with_the_fix(when: object, message: str) -> None:
    client, nap = _napper()
    async with Simulator(client, [nap], start=START) as sim:
        with pytest.raises(InvalidArgument, match=message):
            await sim.advance_to(when)  # type: ignore[arg-type]
        await sim.advance_to(START)  # now itself is fine: nothing moves
        assert sim.clock.now() == START.timestamp()
