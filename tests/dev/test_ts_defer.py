"""``defer()`` of the TypeScript SDK v4 app (``DeferAdd``/``DeferAbort``, the ``defers`` map,
``inngest/deferred.schedule``), through ``Simulator.from_url``, checkpointing on and off.

Expected values are what the real Go dev server did with the same app (``inngest dev`` built
from source): the answers of each request, the ``defers`` map, the deferred runs and the
``_inngest`` fields of their events (``finalize.go buildDeferEvents``).
"""

from __future__ import annotations

import datetime as dt

from inngest_sim import Simulator
from inngest_sim.trace import Deferred, EventReceived, ResponseHandled

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def deferred_runs(sim: Simulator) -> list[object]:
    return sorted(
        (r.output for r in sim.runs if r.function_id == "ts-app-deferred-report"),
        key=repr,
    )


async def test_an_aborted_defer_is_not_scheduled_and_a_kept_one_runs_after(
    ts_sim: Simulator,
) -> None:
    parent = await ts_sim.run("with-defer", data={"n": 5})
    await ts_sim.settle()
    assert parent.output == "done"
    assert deferred_runs(ts_sim) == [{"input": {"n": 5}, "parent": "ts-app-with-defer"}]
    assert [(d.step, d.status) for d in ts_sim.trace.of(Deferred)] == [
        ("report", "after_run"),
        ("dropped", "after_run"),
        ("dropped", "aborted"),
    ]
    (event,) = [e.event for e in ts_sim.trace.of(EventReceived) if e.source == "defer"]
    assert event["name"] == "inngest/deferred.schedule"
    assert event["id"][:10] == parent.run_id[:10]  # DeferEventID: the parent run's time
    meta = event["data"]["_inngest"]
    assert set(meta) == {
        "fn_slug",
        "parent_app_id",
        "parent_defer_span",
        "parent_fn_id",
        "parent_fn_slug",
        "parent_run_id",
    }
    assert (meta["fn_slug"], meta["parent_fn_slug"], meta["parent_run_id"]) == (
        "ts-app-deferred-report",
        "ts-app-with-defer",
        parent.run_id,
    )
    assert set(meta["parent_defer_span"]) == {"dsid", "dstp", "tp", "ts"}


async def test_every_kept_defer_runs_when_none_is_aborted(ts_sim: Simulator) -> None:
    await ts_sim.run("with-defer", data={"n": 6, "abort": False})
    await ts_sim.settle()
    assert deferred_runs(ts_sim) == [
        {"input": {"n": -1}, "parent": "ts-app-with-defer"},
        {"input": {"n": 6}, "parent": "ts-app-with-defer"},
    ]


async def test_a_run_defers_at_most_20_runs(ts_sim: Simulator) -> None:
    parent = await ts_sim.run("with-defer", data={"extra": 20, "abort": False})
    await ts_sim.settle()
    assert parent.status == "Completed"  # a rejected defer never fails its run
    rejected = [d for d in ts_sim.trace.of(Deferred) if d.status == "rejected"]
    # 22 defers, 20 kept, as on the real server. Which two it rejects depends on the order its
    # handlers ran them (concurrently: it kept extra-18 and 19, dropped 16 and 17); the
    # simulator rejects the last ones in op order.
    assert [d.step for d in rejected] == ["extra-18", "extra-19"]
    assert all(d.reason and d.reason.startswith("per_run_count") for d in rejected)
    assert len(deferred_runs(ts_sim)) == 20


async def test_the_defers_map_stops_the_sdk_sending_defer_add_again(
    ts_app: str, ts_api_port: int
) -> None:
    async with Simulator.from_url(
        ts_app, api_port=ts_api_port, start=START, checkpointing=False
    ) as sim:
        parent = await sim.run("with-defer", data={"n": 5})
    answers = [
        (r.status, [op.split(":")[0] for op in r.ops]) for r in parent.trace.of(ResponseHandled)
    ]
    # As the real server saw them: the DeferAdds ride with the first step only.
    assert answers == [
        (206, ["StepRun", "DeferAdd", "DeferAdd"]),
        (206, ["StepRun", "DeferAbort"]),
        (200, []),
    ]
