"""One send's fan-out, and a drain of the held runs, are created in bounded slices, with
turns of the loop between them, so a request that arrives while 10,000 runs are being
created is answered meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inngest_sim._clock import VirtualClock
from inngest_sim._dev.fanout import SLICE, FanOut
from inngest_sim._dev.held import HeldRuns
from inngest_sim._engine import Scheduler


class Created:
    """A stand-in for flow control that records the runs it was asked to start."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, str]] = []

    def schedule(self, ops: Any, spec: Any, event: dict[str, Any]) -> object:
        self.runs.append((spec, event["id"]))
        return None


def test_a_10000_function_fan_out_is_sliced_and_a_request_is_answered_meanwhile() -> None:
    async def scenario() -> None:
        scheduler = Scheduler(VirtualClock(0), asyncio.get_running_loop())
        created = Created()
        fanout = FanOut(created, scheduler)
        specs = [f"fn-{n}" for n in range(10_000)]
        for spec in specs:  # one event triggering 10,000 functions, as ingest hands them
            fanout.schedule(None, spec, {"id": "event-1"})  # type: ignore[arg-type]
        # The send returns with the first slice started and the rest queued, in order.
        assert len(created.runs) == SLICE
        assert len(fanout.pending) == 10_000 - SLICE
        seen_by_request: list[int] = []

        async def a_request() -> None:
            seen_by_request.append(len(created.runs))

        request = asyncio.ensure_future(a_request())
        await scheduler.drive(lambda: not fanout.pending and request.done())
        await scheduler.drive(lambda: scheduler.in_flight == 0)
        assert seen_by_request == [SLICE]  # answered after the first slice, long before the last
        assert fanout.slices == (10_000 - SLICE) // SLICE
        assert created.runs == [(spec, "event-1") for spec in specs]  # none lost, in order

    asyncio.run(scenario())


def test_a_later_send_waits_behind_a_fan_out_being_created() -> None:
    async def scenario() -> None:
        scheduler = Scheduler(VirtualClock(0), asyncio.get_running_loop())
        created = Created()
        fanout = FanOut(created, scheduler, slice=3)
        for n in range(7):
            fanout.schedule(None, f"fn-{n}", {"id": "first"})  # type: ignore[arg-type]
        await asyncio.sleep(0)  # a new turn: the inline budget is back, the queue is not empty
        fanout.schedule(None, "fn-late", {"id": "second"})  # type: ignore[arg-type]
        await scheduler.drive(lambda: not fanout.pending and scheduler.in_flight == 0)
        assert [spec for spec, _ in created.runs] == [*(f"fn-{n}" for n in range(7)), "fn-late"]

    asyncio.run(scenario())


def test_a_drain_of_5000_held_runs_is_sliced_and_a_request_is_answered_meanwhile() -> None:
    async def scenario() -> None:
        scheduler = Scheduler(VirtualClock(0), asyncio.get_running_loop())
        created = Created()
        held = HeldRuns(FanOut(created, scheduler), hold=True)
        for n in range(5_000):
            held.schedule(None, f"fn-{n % 7}", {"id": f"event-{n}"})  # type: ignore[arg-type]
        assert created.runs == []  # held: nothing created yet
        drain = asyncio.ensure_future(held.drain(None))  # type: ignore[arg-type]
        seen_by_request: list[int] = []

        async def a_request() -> None:
            seen_by_request.append(len(created.runs))

        await asyncio.sleep(0)  # the drain starts: its first slice is created inline
        request = asyncio.ensure_future(a_request())
        await scheduler.drive(lambda: drain.done() and request.done())
        await scheduler.drive(lambda: scheduler.in_flight == 0)
        assert seen_by_request == [SLICE]  # answered after the first slice, long before the last
        assert held.queue == []
        wanted = [(f"fn-{n % 7}", f"event-{n}") for n in range(5_000)]
        assert created.runs == wanted  # none lost, in the order the events came
        assert drain.result() == []  # the stand-in starts no RunState

    asyncio.run(scenario())


def test_a_drain_whose_run_creation_fails_answers_with_the_error_instead_of_hanging() -> None:
    class Failing(Created):
        def schedule(self, ops: Any, spec: Any, event: dict[str, Any]) -> object:
            if event["id"] == "event-250":
                raise RuntimeError("flow control broke")
            return super().schedule(ops, spec, event)

    async def scenario() -> None:
        scheduler = Scheduler(VirtualClock(0), asyncio.get_running_loop())
        held = HeldRuns(FanOut(Failing(), scheduler), hold=True)
        for n in range(300):
            held.schedule(None, "fn", {"id": f"event-{n}"})  # type: ignore[arg-type]
        drain = asyncio.ensure_future(held.drain(None))  # type: ignore[arg-type]
        await scheduler.drive(lambda: scheduler.in_flight == 0)
        with pytest.raises(RuntimeError, match="flow control broke"):
            await asyncio.wait_for(drain, 5)

    asyncio.run(scenario())
