from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path
from typing import Any

import pytest

from inngest_sim import Limits, RunResult, Trace
from inngest_sim.report import load_trace, main_report, render_html, write_html
from inngest_sim.report._page import ASSETS, embed_json
from inngest_sim.trace import RunQueued
from tests.report.conftest import (
    BIG,
    BIG_GROUPS,
    HOSTILE_MESSAGE,
    HOSTILE_QUOTES,
    HOSTILE_STEP,
    HOSTILE_VALUE,
)

DATA = re.compile(r'<script type="application/json" id="report-data">(.*?)</script>', re.S)


def embedded(page: str) -> dict[str, Any]:
    match = DATA.search(page)
    assert match, "no embedded report data"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_the_page_is_self_contained(demo_trace: Trace) -> None:
    page = render_html(demo_trace)

    assert re.search(r"""(src|href|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I) is None
    assert re.search(r"url\(\s*['\"]?\s*(https?:)?//", page, re.I) is None
    assert "@import" not in page
    assert "<link" not in page
    assert re.search(r"<script[^>]+src", page) is None
    # A content security policy that forbids the network, so nothing can slip through.
    assert "default-src 'none'" in page
    assert page.count("<script") == 2
    assert page.count("</script>") == 2


def test_hostile_step_ids_and_messages_stay_data(hostile_trace: Trace) -> None:
    page = render_html(hostile_trace, title='<b>"mine"</b>')

    assert page.count("</script>") == 2
    assert "<img" not in page
    assert "alert('message')</script>" not in page
    assert "<title>&lt;b&gt;&quot;mine&quot;&lt;/b&gt;</title>" in page
    data = embedded(page)
    names = [lane["name"] for run in data["runs"] for lane in run["lanes"]]
    assert HOSTILE_STEP in names
    assert HOSTILE_QUOTES in names
    messages = [b["err"]["message"] for run in data["runs"] for b in run["bars"] if b["err"]]
    assert HOSTILE_MESSAGE in messages
    assert data["title"] == '<b>"mine"</b>'
    # The new fields carry hostile text too: payload, step output, run output, stacks, raw.
    hostile = data["runs"][0]
    assert json.loads(hostile["payload"]["text"])["data"]["note"] == HOSTILE_VALUE
    assert json.loads(hostile["output"]["text"]) == {"out": HOSTILE_VALUE}
    assert json.loads(hostile["lanes"][0]["val"]["text"]) == {"html": HOSTILE_VALUE}
    assert hostile["raw"][0]["event"]["data"]["note"] == HOSTILE_VALUE  # run_queued, raw
    assert any(HOSTILE_MESSAGE in stack["stack"] for stack in data["stacks"])
    assert "<script>alert(1)" not in page  # the value's own tags stay escaped in the JSON


def test_embedded_json_escapes_what_could_end_a_script() -> None:
    text = embed_json({"s": "</script><!-- & \u2028 \u2029", "n": float("nan")})

    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == {"s": "</script><!-- & \u2028 \u2029", "n": None}


def test_a_999_step_report_stays_small(big_trace: Trace) -> None:
    (queued,) = big_trace.of(RunQueued)
    result = RunResult(big_trace, queued.run_id)
    assert result.status == "Completed"
    assert len(result.steps) == BIG

    page = render_html(big_trace)

    assert len(page.encode()) < 1_500_000
    data = embedded(page)
    (run,) = data["runs"]
    assert len(run["lanes"]) == BIG
    assert len(run["bars"]) == BIG + BIG_GROUPS  # each group's retried step: two attempts
    assert run["steps"] == BIG
    # The 111 injected faults raised through the same frames: their stack is stored once.
    assert len(data["stacks"]) == 1
    assert {b["err"]["d"] for b in run["bars"] if b["err"]} == {0}


def test_a_saved_and_loaded_trace_gives_the_same_page(demo_trace: Trace, tmp_path: Path) -> None:
    saved = demo_trace.save(tmp_path / "trace.json")

    assert render_html(Trace.load(saved)) == render_html(demo_trace)
    assert render_html(load_trace(saved)) == render_html(demo_trace)


def test_title_and_limits(demo_trace: Trace, hostile_trace: Trace) -> None:
    first = demo_trace.of(RunQueued)[0]
    one_run = demo_trace.for_run(first.run_id)
    assert embedded(render_html(one_run))["title"] == f"{first.function_id} · inngest-sim report"
    assert embedded(render_html(demo_trace))["title"] == "inngest-sim report"
    data = embedded(render_html(demo_trace, limits=Limits(max_steps=5, max_state_bytes=1024)))
    assert data["limits"] == {"steps": 5, "state": 1024}
    assert embedded(render_html(hostile_trace, title="Mine"))["title"] == "Mine"


def test_an_empty_trace_renders() -> None:
    data = embedded(render_html(Trace()))

    assert data["runs"] == []
    assert data["records"] == 0


def test_write_html_and_main_report(
    demo_trace: Trace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_html(demo_trace, tmp_path / "out" / "report.html")
    assert path.read_text(encoding="utf-8") == render_html(demo_trace)

    saved = demo_trace.save(tmp_path / "trace.json")
    assert main_report(str(saved), str(tmp_path / "cli.html")) == 0
    assert "wrote" in capsys.readouterr().out
    assert (tmp_path / "cli.html").read_text(encoding="utf-8") == render_html(demo_trace)

    assert main_report(str(tmp_path / "missing.json"), str(tmp_path / "x.html")) == 2
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert main_report(str(tmp_path / "bad.json"), str(tmp_path / "x.html")) == 2
    assert "not a saved trace" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert main_report(str(saved), str(tmp_path / "file" / "x.html")) == 2
    assert "cannot write" in capsys.readouterr().err


def test_a_trace_from_a_newer_simulator_still_renders(demo_trace: Trace, tmp_path: Path) -> None:
    payload = json.loads(demo_trace.to_json())
    last = payload["records"][-1]
    run_id = next(r["run_id"] for r in payload["records"] if r.get("run_id"))
    payload["records"].append(
        {
            "kind": "wait_for_event_matched",
            "seq": last["seq"] + 1,
            "t": last["t"],
            "wall": last["wall"],
            "run_id": run_id,
            "step": "plan",
            "event": {"name": "x"},
        }
    )
    payload["records"][1]["added_later"] = True  # a new field on a known kind
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises((TypeError, ValueError)):
        Trace.load(path)

    assert main_report(str(path), str(tmp_path / "newer.html")) == 0
    data = embedded((tmp_path / "newer.html").read_text(encoding="utf-8"))
    marks = [m for m in data["runs"][0]["marks"] if m["k"] == "record"]
    assert [m["label"] for m in marks] == ["wait_for_event_matched"]
    assert data["runs"][0]["lanes"][marks[0]["l"]]["name"] == "plan"
    assert len(load_trace(path)) == len(demo_trace) + 1


def test_assets_ship_with_the_package() -> None:
    # Read through the package (as the report does), so the check holds for an installed wheel.
    root = importlib.resources.files("inngest_sim.report")
    for name in ASSETS:
        assert root.joinpath(name).is_file(), name
