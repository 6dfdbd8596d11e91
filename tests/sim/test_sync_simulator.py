from __future__ import annotations

import datetime as dt
import inspect
import threading

import inngest

from inngest_sim import ReplayReport, Simulator, SyncSimulator, VirtualClock
from inngest_sim._simulator.sync import BLOCKING


def test_sync_simulator_runs_functions_from_a_plain_test() -> None:
    client = inngest.Inngest(app_id="sync-sim", is_production=False)

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="s/nap"))
    async def nap(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(days=3))
        return await ctx.step.run("wake", lambda: "awake")

    with SyncSimulator(client, [nap]) as sim:
        run = sim.run(nap)

    assert run.status == "Completed"
    assert run.output == "awake"
    assert run.virtual_duration == dt.timedelta(days=3)
    assert run.wall_seconds < 5


def test_every_coroutine_method_of_the_simulator_has_a_blocking_twin() -> None:
    coroutines = {
        name
        for name, member in inspect.getmembers(Simulator)
        if inspect.iscoroutinefunction(member) and not name.startswith("_")
    }
    assert coroutines == set(BLOCKING)
    for name in BLOCKING:
        twin = getattr(SyncSimulator, name)
        assert not inspect.iscoroutinefunction(twin)
        assert inspect.signature(twin) == inspect.signature(getattr(Simulator, name))


def test_the_blocking_facade_takes_exactly_the_simulators_arguments() -> None:
    assert inspect.signature(SyncSimulator.__init__) == inspect.signature(Simulator.__init__)


def test_every_public_attribute_of_the_simulator_is_typed_on_the_blocking_facade() -> None:
    sim = Simulator(None, [])
    public = {n for n in [*dir(Simulator), *vars(sim)] if not n.startswith("_")}
    # The constructors of other backends make a Simulator, not a SyncSimulator.
    public -= {"from_app", "from_url"}
    assert public - set(dir(SyncSimulator)) == set()
    assert "__getattr__" not in vars(SyncSimulator)  # no untyped read-through


def test_check_replay_returns_the_report_not_a_coroutine() -> None:
    client = inngest.Inngest(app_id="sync-replay", is_production=False)

    @client.create_function(fn_id="two", trigger=inngest.TriggerEvent(event="s/two"))
    async def two(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 1)
        return a + await ctx.step.run("b", lambda: 2)

    with SyncSimulator(client, [two]) as sim:
        run = sim.run(two)
        report = sim.check_replay(run)

    assert isinstance(report, ReplayReport)
    assert report.ok
    assert len(report.prefixes) == 3


class _WatchedClock(VirtualClock):
    """A virtual clock that notes the thread each change of ``autojump`` comes from."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        super().__init__()

    @property  # type: ignore[override]
    def autojump(self) -> bool:
        return self._autojump

    @autojump.setter
    def autojump(self, value: bool) -> None:
        self.threads.append(threading.current_thread().name)
        self._autojump = value


def test_hold_time_flips_the_clock_on_the_simulators_own_thread() -> None:
    client = inngest.Inngest(app_id="sync-hold", is_production=False)

    @client.create_function(fn_id="nap", trigger=inngest.TriggerEvent(event="s/hold"))
    async def nap(ctx: inngest.Context) -> str:
        await ctx.step.sleep("nap", dt.timedelta(hours=1))
        return "up"

    clock = _WatchedClock()
    with SyncSimulator(client, [nap], clock=clock) as sim:
        with sim.hold_time():
            sim.send({"name": "s/hold"})
            sim.advance(dt.timedelta(minutes=30))
            assert sim.runs[0].status == "Running"
        sim.settle()
        assert sim.runs[0].status == "Completed"

    # Set once when built (here), then on and off by hold_time on the loop's thread.
    assert clock.threads[1:] == ["inngest-sim", "inngest-sim"]
