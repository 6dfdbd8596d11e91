"""A trace saved as JSON and loaded again gives the same answers as the live one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, RunResult, Simulator, Trace
from inngest_sim.trace import (
    RequestSent,
    ResponseHandled,
    RetryScheduled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Waiting,
)

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _flaky_fan_out(client: inngest.Inngest) -> Any:
    failures = {"left": 1, "right": 0}

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="trace/fan"), retries=2)
    async def fan(ctx: inngest.Context) -> dict[str, Any]:
        def side(name: str) -> Any:
            def body() -> str:
                if failures[name] > 0:
                    failures[name] -= 1
                    raise RuntimeError(f"{name} flaked")
                return name.upper()

            return lambda: ctx.step.run(name, body)

        first = await ctx.step.run("first", lambda: {"n": 1})
        both = await ctx.group.parallel((side("left"), side("right")))
        await ctx.step.sleep("pause", dt.timedelta(minutes=1))
        return {"first": first, "both": list(both)}

    return fan


async def _live_run(client: inngest.Inngest) -> tuple[Simulator, RunResult]:
    fan = _flaky_fan_out(client)
    async with Simulator(
        client, [fan], start=START, seed=3, backoff=Backoff(jitter=0), request_latency=0.5
    ) as sim:
        run = await sim.run(fan, data={"lecture": "l1"})
    return sim, run


def _same_result(a: RunResult, b: RunResult) -> None:
    assert b.run_id == a.run_id
    assert b.function_id == a.function_id
    assert b.event == a.event
    assert b.status == a.status
    assert b.output == a.output
    assert b.error == a.error
    assert b.queued_at == a.queued_at
    assert b.ended_at == a.ended_at
    assert b.virtual_duration == a.virtual_duration
    assert b.wall_seconds == a.wall_seconds
    assert b.step_count == a.step_count
    assert b.state_bytes == a.state_bytes
    assert dict(b.steps) == dict(a.steps)
    assert b.requests == a.requests
    assert b.max_concurrency() == a.max_concurrency()
    assert b.max_concurrency("l*") == a.max_concurrency("l*")
    assert b.concurrent_groups() == a.concurrent_groups()


async def test_the_live_run_is_what_the_roundtrip_tests_rely_on(client: inngest.Inngest) -> None:
    _, run = await _live_run(client)

    assert run.status == "Completed"
    assert run.output == {"first": {"n": 1}, "both": ["LEFT", "RIGHT"]}
    assert [(a.number, a.outcome) for a in run.steps["left"].attempts] == [
        (0, "error"),
        (1, "ok"),
    ]
    assert run.max_concurrency() == 2  # left and right overlapped
    assert run.steps["pause"].saved


async def test_to_json_and_from_json_round_trip_every_record(client: inngest.Inngest) -> None:
    sim, _ = await _live_run(client)

    text = sim.trace.to_json()
    loaded = Trace.from_json(text)

    assert json.loads(text)["version"] == 1
    assert len(loaded) == len(sim.trace)
    assert list(loaded) == list(sim.trace)
    assert [type(r) for r in loaded] == [type(r) for r in sim.trace]
    assert loaded.to_json() == text


async def test_save_and_load_round_trip_through_a_file(
    client: inngest.Inngest, tmp_path: Path
) -> None:
    sim, _ = await _live_run(client)

    path = sim.trace.save(tmp_path / "trace.json")
    loaded = Trace.load(path)

    assert path == tmp_path / "trace.json"
    assert path.read_text(encoding="utf-8") == sim.trace.to_json()
    assert list(loaded) == list(sim.trace)
    # A string path works as well as a Path.
    assert list(Trace.load(str(path))) == list(sim.trace)


async def test_a_result_from_a_loaded_trace_equals_the_live_result(
    client: inngest.Inngest, tmp_path: Path
) -> None:
    sim, live = await _live_run(client)

    path = sim.trace.save(tmp_path / "trace.json")
    loaded = RunResult(Trace.load(path), live.run_id)

    _same_result(live, loaded)
    assert loaded.steps["left"].attempts[0].error == live.steps["left"].attempts[0].error
    assert loaded.steps["left"].attempts[0].error is not None
    assert loaded.steps["left"].attempts[0].error["message"] == "left flaked"


async def test_the_trace_of_a_run_with_retries_and_parallel_steps_is_in_order(
    client: inngest.Inngest,
) -> None:
    _, run = await _live_run(client)
    records = list(run.trace)

    # Every record has a unique, increasing sequence number and virtual time never goes back.
    assert [r.seq for r in records] == sorted({r.seq for r in records})
    assert [r.t for r in records] == sorted(r.t for r in records)
    assert isinstance(records[0], RunQueued)
    assert isinstance(records[-1], RunEnded)

    # "first" runs at once in the first request; then come the plan, the two
    # targeted requests, left's failure and retry, the fan-in discovery, the
    # sleep and the final request. (Other record kinds may sit in between.)
    expected = [
        ("run_queued", None),
        ("request_sent", None),
        ("response_handled", ("StepRun:first",)),
        ("step_attempt", ("first", "ok")),
        ("step_saved", "first"),
        ("request_sent", None),
        ("response_handled", ("StepPlanned:left", "StepPlanned:right")),
        ("request_sent", "left"),
        ("step_attempt", ("left", "error")),
        ("retry_scheduled", "left"),
        ("step_saved", "right"),
        ("request_sent", "left"),
        ("step_attempt", ("left", "ok")),
        ("step_saved", "left"),
        ("request_sent", None),
        ("response_handled", ("Sleep:pause",)),
        ("waiting", "pause"),
        ("step_saved", "pause"),
        ("request_sent", None),
        ("response_handled", ()),
        ("run_ended", "Completed"),
    ]
    assert _subsequence(expected, [_describe(r) for r in records])

    # The two targeted first attempts were both sent before either answer was handled.
    sent = [r for r in records if isinstance(r, RequestSent) and r.target in ("left", "right")]
    first_two = [r for r in sent if r.attempt == 0]
    assert {r.target for r in first_two} == {"left", "right"}
    handled = {r.request_id: r.seq for r in records if isinstance(r, ResponseHandled)}
    assert max(r.seq for r in first_two) < min(handled[r.request_id] for r in first_two)

    (retry,) = run.trace.of(RetryScheduled)
    assert (retry.step, retry.next_attempt, retry.delay, retry.reason) == (
        "left",
        1,
        15.0,
        "backoff",
    )
    (nap,) = run.trace.of(Waiting)
    assert nap.op == "Sleep"
    assert nap.until is not None
    (saved_pause,) = [s for s in run.trace.of(StepSaved) if s.step == "pause"]
    assert saved_pause.t == nap.until


def _describe(record: Any) -> tuple[str, Any]:
    if isinstance(record, ResponseHandled):
        return record.kind, tuple(record.ops)
    if isinstance(record, StepAttempt):
        return record.kind, (record.step, record.outcome)
    if isinstance(record, StepSaved | Waiting | RetryScheduled):
        return record.kind, record.step
    if isinstance(record, RunEnded):
        return record.kind, record.status
    if isinstance(record, RequestSent):
        return record.kind, record.target
    return record.kind, None


def _subsequence(expected: list[tuple[str, Any]], actual: list[tuple[str, Any]]) -> bool:
    it = iter(actual)
    return all(any(item == want for item in it) for want in expected)


def test_from_json_rejects_an_unknown_record_kind() -> None:
    text = json.dumps({"version": 1, "records": [{"kind": "teleported", "seq": 0}]})
    with pytest.raises(ValueError, match="teleported"):
        Trace.from_json(text)


def test_an_empty_trace_round_trips() -> None:
    assert list(Trace.from_json(Trace().to_json())) == []


async def test_a_failed_run_round_trips_with_its_error(
    client: inngest.Inngest, tmp_path: Path
) -> None:
    @client.create_function(
        fn_id="doomed", trigger=inngest.TriggerEvent(event="trace/doomed"), retries=1
    )
    async def doomed(ctx: inngest.Context) -> None:
        def body() -> None:
            raise ValueError("nope")

        await ctx.step.run("only", body)

    async with Simulator(client, [doomed], start=START, backoff=Backoff(jitter=0)) as sim:
        live = await sim.run(doomed)

    loaded = RunResult(Trace.load(sim.trace.save(tmp_path / "t.json")), live.run_id)

    assert live.status == "Failed"
    assert live.error is not None
    assert live.error["name"] == "ValueError"
    _same_result(live, loaded)
    assert [a.outcome for a in loaded.steps["only"].attempts] == ["error", "failed"]
    # Records are frozen dataclasses: equal after the trip, field by field.
    for a, b in zip(sim.trace, Trace.load(tmp_path / "t.json"), strict=True):
        assert dataclasses.asdict(a) == dataclasses.asdict(b)


class _Untouchable(list):  # type: ignore[type-arg]
    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("a view of one run read the whole trace")


def test_a_runs_views_read_only_its_own_records() -> None:
    from inngest_sim.trace import RunEnded, RunQueued

    records = []
    for i in range(2000):
        records.append(
            RunQueued(seq=2 * i, t=0.0, wall=0.0, run_id=f"r{i}", function_id="f", event={})
        )
        records.append(
            RunEnded(
                seq=2 * i + 1, t=1.0, wall=0.0, run_id=f"r{i}", function_id="f", status="Completed"
            )
        )
    trace = Trace(records)
    trace._records = _Untouchable(trace._records)  # only the index may be used

    run = RunResult(trace, "r1500")
    assert run.status == "Completed"
    assert [r.seq for r in trace.of(RunEnded, "r7")] == [15]
    assert len(trace.for_run("r3")) == 2
