"""The Chrome trace-event export, checked against the format's rules.

The rules are those of the Trace Event Format (the JSON object form that
ui.perfetto.dev and chrome://tracing open): every event has ``name``, ``ph``,
``pid`` and ``tid``; every event but metadata a ``ts`` in microseconds; complete
events (``X``) a ``dur`` of at least 0, and those of one thread nest or follow one
another; instants (``i``) a scope ``s``; flow events (``s``/``f``) an ``id`` shared
by their start and finish; metadata (``M``) names processes and threads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from inngest_sim import RunResult, Trace
from inngest_sim.report import load_trace, main_report, to_perfetto, write_perfetto
from inngest_sim.report._model import build_model
from inngest_sim.trace import FaultApplied, RetryScheduled, RunQueued, StepAttempt

PHASES = {"X", "i", "M", "s", "f"}


def check_format(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every rule above; returns the events."""
    assert set(doc) >= {"traceEvents", "displayTimeUnit"}
    assert doc["displayTimeUnit"] in ("ms", "ns")
    events = doc["traceEvents"]
    json.dumps(doc)  # plain JSON, nothing a viewer could not parse
    seen_data = False
    last_ts = 0
    for e in events:
        assert {"name", "ph", "pid", "tid"} <= set(e), e
        assert e["ph"] in PHASES, e
        assert isinstance(e["pid"], int)
        assert isinstance(e["tid"], int)
        if e["ph"] == "M":
            assert not seen_data, "metadata comes first"
            assert e["name"] in (
                "process_name",
                "process_sort_index",
                "thread_name",
                "thread_sort_index",
            )
            assert isinstance(e["args"], dict)
            continue
        seen_data = True
        assert isinstance(e["ts"], int), e
        assert e["ts"] >= 0, e
        assert e["ts"] >= last_ts, "events are in time order"
        last_ts = e["ts"]
        if e["ph"] == "X":
            assert isinstance(e["dur"], int), e
            assert e["dur"] >= 0, e
        if e["ph"] == "i":
            assert e["s"] in ("t", "p", "g")
    slices: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            slices[(e["pid"], e["tid"])].append((e["ts"], e["ts"] + e["dur"]))
    for track, spans in slices.items():
        stack: list[int] = []
        for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
            while stack and stack[-1] <= start:
                stack.pop()
            assert not stack or end <= stack[-1], f"slices of {track} overlap without nesting"
            stack.append(end)
    flows = defaultdict(list)
    for e in events:
        if e["ph"] in ("s", "f"):
            flows[e["id"]].append(e["ph"])
    assert all(sorted(phases) == ["f", "s"] for phases in flows.values())
    return events


def named(events: list[dict[str, Any]], what: str) -> dict[tuple[int, int], str]:
    return {
        (e["pid"], e["tid"]): e["args"]["name"]
        for e in events
        if e["ph"] == "M" and e["name"] == what
    }


@pytest.fixture(params=["demo_trace", "instant_trace", "hostile_trace"])
def trace(request: pytest.FixtureRequest) -> Trace:
    value: Trace = request.getfixturevalue(request.param)
    return value


def test_the_export_follows_the_trace_event_format(trace: Trace) -> None:
    check_format(to_perfetto(trace))


def test_one_process_per_run_with_its_span_and_a_thread_per_step(trace: Trace) -> None:
    events = check_format(to_perfetto(trace))
    html_model = build_model(trace, title="t", max_steps=1000, max_state_bytes=2**25)
    processes = named(events, "process_name")
    threads = named(events, "thread_name")
    results = [RunResult(trace, r.run_id) for r in trace.of(RunQueued)]
    assert len([p for p in processes if p[0] > 0]) == len(results)
    for pid, result in enumerate(results, start=1):
        assert processes[(pid, 0)] == f"{result.function_id} · {result.run_id} · {result.status}"
        lanes = [name for (p, _), name in sorted(threads.items()) if p == pid]
        assert lanes[0] == "run"
        steps = [name for name in lanes if not name.startswith(("run", "SDK requests"))]
        # One track per step lane, in the order the HTML report draws them.
        assert steps == [lane["name"] for lane in html_model["runs"][pid - 1]["lanes"]]
        assert set(steps) == set(result.steps)
        (span,) = [e for e in events if e["pid"] == pid and e.get("cat", "") == "run"]
        assert span["tid"] == 1
        assert span["args"]["run_id"] == result.run_id
        assert span["args"]["status"] == result.status
        # Virtual time, give or take the microsecond per record that orders an instant.
        virtual = result.virtual_duration.total_seconds() * 1e6
        assert abs(span["dur"] - virtual) <= len(result.trace)
        attempts = [e for e in events if e["pid"] == pid and e.get("cat", "").startswith("attempt")]
        expected = sorted(
            (s.id, a.number, a.outcome) for s in result.steps.values() for a in s.attempts
        )
        by_tid = {tid: name for (p, tid), name in threads.items() if p == pid}
        assert (
            sorted((by_tid[e["tid"]], e["args"]["attempt"], e["args"]["outcome"]) for e in attempts)
            == expected
        )
        for e in attempts:
            assert span["ts"] <= e["ts"]
            assert e["ts"] + e["dur"] <= span["ts"] + span["dur"]


def test_backoffs_faults_and_outputs_are_on_their_steps(demo_trace: Trace) -> None:
    events = check_format(to_perfetto(demo_trace))
    threads = named(events, "thread_name")
    backoffs = [e for e in events if e.get("cat", "") == "backoff"]
    assert sorted(e["args"]["delay_s"] for e in backoffs) == sorted(
        r.delay for r in demo_trace.of(RetryScheduled)
    )
    records = len(demo_trace)
    assert all(abs(e["dur"] - e["args"]["delay_s"] * 1e6) <= records for e in backoffs)
    plan = next(e for e in events if e["name"] == "plan #0")
    assert json.loads(plan["args"]["output"]) == [64, 128, 256]
    assert threads[(plan["pid"], plan["tid"])] == "plan"


def test_injected_faults_are_instants_on_their_step(big_trace: Trace) -> None:
    events = check_format(to_perfetto(big_trace))
    threads = named(events, "thread_name")
    faults = [e for e in events if e.get("cat", "") == "fault"]
    assert len(faults) == len(big_trace.of(FaultApplied)) == 111
    assert {threads[(e["pid"], e["tid"])].rsplit("-", 1)[1] for e in faults} == {"4"}
    assert len([n for (p, _), n in threads.items() if p == 1 and n.startswith("item-")]) == 999


def test_an_invoke_is_a_flow_from_the_parent_to_the_child(family_trace: Trace) -> None:
    events = check_format(to_perfetto(family_trace))
    processes = named(events, "process_name")
    (start,) = [e for e in events if e["ph"] == "s"]
    (finish,) = [e for e in events if e["ph"] == "f"]
    assert "parent" in processes[(start["pid"], 0)]
    assert "child" in processes[(finish["pid"], 0)]
    assert finish["tid"] == 1  # the child's run span
    (child_span,) = [e for e in events if e["pid"] == finish["pid"] and e.get("cat", "") == "run"]
    # The arrow ends in the child's span ("bp": "e" binds it to the enclosing slice),
    # no earlier than it starts (the child is queued just before the parent waits).
    assert finish["bp"] == "e"
    assert start["ts"] <= finish["ts"] <= child_span["ts"] + child_span["dur"]
    assert child_span["ts"] <= finish["ts"]


def test_instant_runs_keep_their_order_a_microsecond_apart(instant_trace: Trace) -> None:
    events = check_format(to_perfetto(instant_trace))
    attempts = [e for e in events if e.get("cat", "").startswith("attempt") and e["pid"] == 1]
    assert all(e["dur"] >= 1 for e in attempts)  # zero virtual time, still visible
    first = [e for e in attempts if e["ts"] < 1_000_000]  # before the first backoff
    assert len(first) == 4  # plan, then the three thumbnails, in the first instant
    assert max(e["ts"] + e["dur"] for e in first) <= len(instant_trace)
    order = [
        (r.step, r.attempt)
        for r in instant_trace.of(StepAttempt)
        if r.run_id == first[0]["args"]["request_id"].rsplit("-", 1)[0]
    ]
    by_start = sorted(attempts, key=lambda e: (e["ts"], e["ts"] + e["dur"]))
    assert [e["name"] for e in by_start] == [f"{step} #{n}" for step, n in order]


def test_the_cli_writes_the_export(
    demo_trace: Trace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = demo_trace.save(tmp_path / "trace.json")
    out = tmp_path / "out" / "trace.perfetto.json"
    assert main_report(str(saved), str(out), format="perfetto") == 0
    assert json.loads(out.read_text(encoding="utf-8")) == to_perfetto(Trace.load(saved))
    assert "wrote" in capsys.readouterr().out
    assert write_perfetto(demo_trace, tmp_path / "w.json").read_text(
        encoding="utf-8"
    ) == out.read_text(encoding="utf-8")
    assert main_report(str(saved), str(tmp_path / "x"), format="svg") == 2
    assert "format='svg': choose one of html, perfetto" in capsys.readouterr().err


def test_waits_and_records_of_unknown_kinds_are_exported(
    newer_trace: Trace, tmp_path: Path
) -> None:
    saved = newer_trace.save(tmp_path / "newer.json")
    events = check_format(to_perfetto(load_trace(saved)))  # read back as a newer trace

    threads = named(events, "thread_name")
    (wait,) = [e for e in events if e.get("cat") == "wait"]
    assert threads[(wait["pid"], wait["tid"])] == "approval"
    assert wait["args"] == {"event": "app/approved", "if": "a < b"}
    marks = [e for e in events if e.get("cat") == "record"]
    assert [m["name"] for m in marks] == ["invoke_started", "invoke_started"]
