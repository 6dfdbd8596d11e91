from __future__ import annotations

import json
from typing import Any

import pytest

from inngest_sim import RunResult, Trace
from inngest_sim.report._frames import owner
from inngest_sim.report._model import build_model
from inngest_sim.report._shared import RAW_BUDGET, VALUE_BUDGET, VALUE_LIMIT, Page
from inngest_sim.trace import RetryScheduled, RunQueued, StepSaved, Waiting
from tests.report.conftest import InvokeStarted


def model(trace: Trace) -> dict[str, Any]:
    return build_model(trace, title="t", max_steps=1000, max_state_bytes=32 * 2**20)


def runs(trace: Trace) -> list[tuple[RunResult, dict[str, Any]]]:
    results = [RunResult(trace, r.run_id) for r in trace.of(RunQueued)]
    return list(zip(results, model(trace)["runs"], strict=True))


@pytest.fixture(params=["demo_trace", "instant_trace"])
def trace(request: pytest.FixtureRequest) -> Trace:
    value: Trace = request.getfixturevalue(request.param)
    return value


def test_one_lane_per_step_in_the_order_steps_appeared(trace: Trace) -> None:
    (render, render_model), (doomed, doomed_model) = runs(trace)

    names = [lane["name"] for lane in render_model["lanes"]]
    assert names == ["plan", "thumb-64", "thumb-128", "thumb-256", "cool-down", "publish"]
    assert set(names) == set(render.steps)
    assert [lane["name"] for lane in doomed_model["lanes"]] == list(doomed.steps)


def test_every_attempt_is_a_bar_with_its_outcome(trace: Trace) -> None:
    for result, run in runs(trace):
        lanes = [lane["name"] for lane in run["lanes"]]
        drawn = [(lanes[b["l"]], b["n"], b["o"]) for b in run["bars"]]
        expected = [
            (step.id, attempt.number, attempt.outcome)
            for step in result.steps.values()
            for attempt in step.attempts
        ]
        assert sorted(drawn) == sorted(expected)
        assert all(b["b"] > b["a"] for b in run["bars"])  # visible even at latency 0


def test_bars_carry_the_details_of_their_attempt(demo_trace: Trace) -> None:
    (_, _), (doomed, run) = runs(demo_trace)
    lanes = [lane["name"] for lane in run["lanes"]]
    failed = next(b for b in run["bars"] if b["o"] == "failed")
    attempt = doomed.steps["parse"].attempts[-1]

    assert lanes[failed["l"]] == "parse"
    assert failed["r"] == attempt.request_id
    assert failed["err"]["name"] == "ValueError"
    assert failed["err"]["message"] == attempt.error["message"] if attempt.error else False
    assert failed["te"] - failed["ts"] == pytest.approx(2.0)  # request_latency
    assert failed["w"] == attempt.wall_seconds


def test_chunks_and_peak_agree_with_run_result(trace: Trace) -> None:
    for result, run in runs(trace):
        assert [c["steps"] for c in run["chunks"]] == result.concurrent_groups()
        assert run["peak"] == result.max_concurrency()
        for chunk in run["chunks"]:
            assert chunk["b"] > chunk["a"]


def test_backoffs_sit_on_the_lane_of_the_step_that_errored(trace: Trace) -> None:
    for result, run in runs(trace):
        lanes = [lane["name"] for lane in run["lanes"]]
        backoffs = [s for s in run["spans"] if s["k"] == "backoff"]
        retries = result.trace.of(RetryScheduled)
        assert [s["delay"] for s in backoffs] == [r.delay for r in retries]
        for span in backoffs:
            assert span["b"] > span["a"]
            step = result.steps[lanes[span["l"]]]
            assert any(a.outcome in ("error", "failed") for a in step.attempts)


def test_a_sleep_is_a_span_until_it_resumes_and_its_gap_is_compressed(trace: Trace) -> None:
    (result, run), _ = runs(trace)
    (sleep,) = [s for s in run["spans"] if s["k"] == "sleep"]
    (waiting,) = result.trace.of(Waiting)

    assert run["lanes"][sleep["l"]]["name"] == "cool-down"
    assert waiting.until is not None
    # From when the executor started waiting (the response) to when it resumed.
    assert sleep["te"] - sleep["ts"] == pytest.approx(waiting.until - waiting.t)
    assert sleep["until"] == pytest.approx(waiting.until - result.queued_at.timestamp())
    assert sleep["te"] == sleep["until"]
    (gap,) = run["gaps"]
    assert gap[2] > 3500
    assert run["total"] < 200  # the hour does not crowd out the seconds around it


def test_run_summary(demo_trace: Trace) -> None:
    for result, run in runs(demo_trace):
        assert run["status"] == result.status
        assert run["fn"] == result.function_id
        assert run["dur"] == pytest.approx(result.virtual_duration.total_seconds())
        assert run["wall"] == pytest.approx(result.wall_seconds, abs=1e-5)
        assert run["steps"] == result.step_count
        assert run["state"] == result.state_bytes
        assert run["requests"] == len(result.requests)
    (_, doomed) = runs(demo_trace)[1]
    assert doomed["error"]["name"] == "ValueError"


def test_order_only_is_flagged_when_requests_take_no_time(
    demo_trace: Trace, instant_trace: Trace
) -> None:
    assert not model(demo_trace)["runs"][0]["orderOnly"]
    assert model(instant_trace)["runs"][0]["orderOnly"]


def test_a_run_still_running_has_an_open_sleep(demo_trace: Trace) -> None:
    records = list(demo_trace)
    waiting = demo_trace.of(Waiting)[0]
    (run,) = model(Trace(records[: waiting.seq + 1]))["runs"]

    assert run["status"] == "Running"
    (sleep,) = [s for s in run["spans"] if s["k"] == "sleep"]
    assert sleep["open"] is True
    assert sleep["until"] == sleep["te"]


def test_unknown_record_kinds_become_markers(demo_trace: Trace) -> None:
    run_id = demo_trace.of(RunQueued)[0].run_id
    last = list(demo_trace)[-1]
    extra = [
        InvokeStarted(
            seq=last.seq + 1,
            t=last.t,
            wall=last.wall,
            run_id=run_id,
            step="plan",
            function_id="child",
            payload={"x": object()},
        ),
        InvokeStarted(
            seq=last.seq + 2,
            t=last.t,
            wall=last.wall,
            run_id=run_id,
            step="nope",
            function_id="child",
        ),
    ]
    run = model(Trace([*demo_trace, *extra]))["runs"][0]

    marks = [m for m in run["marks"] if m["k"] == "record"]
    assert [m["label"] for m in marks] == ["invoke_started", "invoke_started"]
    assert run["lanes"][marks[0]["l"]]["name"] == "plan"
    assert marks[1]["l"] == -1  # no such step: the run lane
    assert marks[0]["f"]["function_id"] == "child"
    assert len(run["lanes"]) == 6


def test_a_wait_for_event_is_a_waiting_span_until_its_timeout(waiting_trace: Trace) -> None:
    (run,) = model(waiting_trace)["runs"]

    (span,) = run["spans"]
    assert (span["k"], span["op"], span["open"]) == ("wait", "WaitForEvent", True)
    assert run["lanes"][span["l"]] == {
        "name": "approval",
        "o": "wait",
        "n": 0,
        "x": None,
        "memo": None,
        "bytes": None,
        "val": None,
    }
    assert span["te"] == span["until"] == 600
    assert span["detail"] == {"event": "app/approved", "if": "a < b"}
    assert run["status"] == "Running"
    assert run["peak"] == 0


def test_the_event_output_and_step_outputs_are_shown_with_their_sizes(demo_trace: Trace) -> None:
    (render, run), (doomed, failed) = runs(demo_trace)
    queued = render.trace.of(RunQueued)[0]

    assert json.loads(run["payload"]["text"]) == queued.event
    assert run["payload"]["size"] == len(json.dumps(queued.event, separators=(",", ":")))
    assert json.loads(run["output"]["text"]) == render.output == 3
    lanes = {lane["name"]: lane for lane in run["lanes"]}
    assert json.loads(lanes["plan"]["val"]["text"]) == [64, 128, 256]
    (saved,) = [
        r for r in render.trace.of(StepSaved) if r.run_id == render.run_id and r.step == "plan"
    ]
    assert lanes["plan"]["val"]["size"] == saved.bytes
    assert render.steps["plan"].output == [64, 128, 256]
    assert not lanes["plan"]["val"]["cut"]
    assert lanes["cool-down"]["val"]["text"] == "null"  # a sleep saves no data
    assert failed["output"] is None  # a failed run has no output, only its error
    assert doomed.status == "Failed"


def test_big_values_are_cut_to_a_preview_that_keeps_their_size() -> None:
    page = Page()
    big = {"text": "x" * 10_000}
    shown = page.value(big)
    assert shown["cut"]
    assert len(shown["text"]) == VALUE_LIMIT
    assert shown["text"].startswith('{"text":"xxx')
    assert shown["text"].endswith("…")
    assert shown["size"] == len(json.dumps(big, separators=(",", ":")))
    assert page.value(big, size=12)["size"] == 12  # a step's stored size is what it shows
    for _ in range(VALUE_BUDGET // VALUE_LIMIT):
        page.value(big)
    assert len(page.value(big)["text"]) < 200  # past the page's budget: a line of it


def test_an_invoke_links_the_parent_and_the_child(family_trace: Trace) -> None:
    parent_result, child_result = (
        RunResult(family_trace, r.run_id) for r in family_trace.of(RunQueued)
    )
    (parent, child) = model(family_trace)["runs"]

    assert parent_result.function_id.endswith("parent")
    assert parent["children"] == [child_result.run_id] == [child["id"]]
    assert child["parent"] == parent_result.run_id
    assert parent["parent"] is None
    (wait,) = [s for s in parent["spans"] if s["op"] == "InvokeFunction"]
    assert wait["detail"]["child_run_id"] == child["id"]
    assert json.loads(parent["output"]["text"]) == "rendered 3" == child_result.output


def test_the_records_of_each_run_are_embedded_for_the_json_view(demo_trace: Trace) -> None:
    for result, run in runs(demo_trace):
        records = [r for r in demo_trace if getattr(r, "run_id", None) == result.run_id]
        assert run["rawOmitted"] == 0
        assert [r["seq"] for r in run["raw"]] == [r.seq for r in records]
        assert run["raw"][0]["kind"] == "run_queued"


def test_a_big_run_embeds_the_first_and_last_records_within_the_budget(big_trace: Trace) -> None:
    (run,) = model(big_trace)["runs"]
    records = [r for r in big_trace if getattr(r, "run_id", None)]
    (marker,) = [i for i, r in enumerate(run["raw"]) if "omitted" in r]
    kept = run["raw"][:marker] + run["raw"][marker + 1 :]
    assert run["rawOmitted"] == run["raw"][marker]["omitted"] == len(records) - len(kept)
    assert run["rawOmitted"] > 0
    assert [r["seq"] for r in run["raw"][:marker]] == [r.seq for r in records[:marker]]
    assert run["raw"][-1]["seq"] == records[-1].seq
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    assert sum(len(json.dumps(r, **compact)) for r in kept) <= RAW_BUDGET


def test_error_frames_say_whose_code_they_are(demo_trace: Trace, big_trace: Trace) -> None:
    data = model(demo_trace)
    (_, doomed) = data["runs"]
    failed = next(b for b in doomed["bars"] if b["o"] == "failed")
    frames = data["stacks"][failed["err"]["d"]]["frames"]
    mine = [f for f in frames if f["who"] == "user"]
    assert [f["fn"] for f in mine] == ["parse"]
    assert mine[0]["file"].endswith("tests/report/conftest.py")
    assert any(f["who"] == "sim" for f in frames)  # the probe that ran the body
    assert "Traceback" in data["stacks"][failed["err"]["d"]]["stack"]
    # An injected fault raised in inngest-sim: none of its frames is the user's.
    big = model(big_trace)
    (injected,) = big["stacks"]
    assert injected["frames"]
    assert {f["who"] for f in injected["frames"]} <= {"sim", "python", "sdk"}


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/home/me/proj/inngest_sim/faults/_step.py", "sim"),
        ("/venv/lib/python3.12/site-packages/inngest/_internal/step_lib/base.py", "sdk"),
        ("/venv/lib/python3.12/site-packages/httpx/_client.py", "library"),
        ("/usr/lib/python3.11/asyncio/tasks.py", "python"),
        ("<frozen importlib._bootstrap>", "python"),
        ("/home/me/proj/app/functions.py", "user"),
        ("C:\\proj\\app\\functions.py", "user"),
        ("C:\\venv\\Lib\\site-packages\\inngest\\x.py", "sdk"),
    ],
)
def test_frame_owners(path: str, who: str) -> None:
    assert owner(path) == who


async def test_a_step_that_returns_a_failure_is_marked_on_its_lane() -> None:
    """A step that succeeded but returned ``{"ok": false, ...}`` (a recorded refusal) is
    not drawn as a plain success: its lane carries the returned code and message."""
    import inngest

    from inngest_sim import Simulator

    client = inngest.Inngest(app_id="report-tests", is_production=False)

    @client.create_function(fn_id="assets", trigger=inngest.TriggerEvent(event="test/assets"))
    async def assets(ctx: inngest.Context) -> None:
        refused = {"code": "SENSITIVE_CONTENT", "message": "refused by the policy"}
        await ctx.step.run("refused", lambda: {"ok": False, "error": refused})
        await ctx.step.run("made", lambda: {"ok": True, "asset": {"uri": "file:///a"}})
        await ctx.step.run("bare", lambda: {"ok": False, "error": "no"})

    async with Simulator(client, [assets]) as sim:
        await sim.run(assets)
    (run,) = model(sim.trace)["runs"]
    lanes = {lane["name"]: lane for lane in run["lanes"]}

    assert lanes["refused"]["o"] == "ok"  # the step itself succeeded
    assert lanes["refused"]["rf"] == {
        "code": "SENSITIVE_CONTENT",
        "message": "refused by the policy",
    }
    assert "rf" not in lanes["made"]
    assert lanes["bare"]["rf"] == {"code": "", "message": "no"}
