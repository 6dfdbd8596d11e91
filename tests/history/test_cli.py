"""``inngest-sim check-deploy MODULE:ATTR --runs DIR``: one line per run, and its status."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from inngest_sim import Simulator
from inngest_sim.cli import main

from ._functions import make

MODULE = """
from tests.history._functions import make

client, flow = make({variant!r})
"""


@pytest.fixture
async def runs(tmp_path: Path) -> Path:
    client, flow = make()
    async with Simulator(client, [flow]) as sim:
        await sim.send({"name": "app/go", "data": {}})
        await sim.advance(60)
        sim.runs[0].save_history(tmp_path / "runs" / "asleep.json")
    return tmp_path / "runs"


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variant: str) -> str:
    name = f"deploy_cli_{variant}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE.format(variant=variant)))
    monkeypatch.syspath_prepend(str(tmp_path))
    return f"{name}:client"


def test_an_unchanged_function_exits_0(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (runs / "asleep.json").read_bytes()

    assert main(["check-deploy", _module(tmp_path, monkeypatch, "old"), "--runs", str(runs)]) == 0
    out = capsys.readouterr().out
    assert "asleep.json: deploy-app-flow (sleeping at 'nap' until " in out
    assert "continues unchanged" in out
    assert (runs / "asleep.json").read_bytes() == before


def test_a_renamed_step_exits_1_naming_both_ids(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check-deploy", _module(tmp_path, monkeypatch, "rename"), "--runs", str(runs)])

    assert code == 1
    out = capsys.readouterr().out
    assert "would re-run a completed step at step 'fetch' (new code: 'download')" in out


def test_a_bad_history_exits_2_naming_the_file_and_field(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((runs / "asleep.json").read_text())
    data["version"] = 99
    (runs / "future.json").write_text(json.dumps(data))

    code = main(["check-deploy", _module(tmp_path, monkeypatch, "old"), "--runs", str(runs)])

    assert code == 2
    err = capsys.readouterr().err
    assert f"inngest-sim check-deploy: {runs / 'future.json'}: field '$.version': is 99" in err


def test_a_missing_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-deploy", "x:y", "--runs", str(tmp_path / "none")]) == 2
    assert "not a folder of run histories" in capsys.readouterr().err


def test_the_report_folder_shows_where_each_unsafe_run_diverges(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _module(tmp_path, monkeypatch, "rename")
    out = tmp_path / "reports"

    assert main(["check-deploy", target, "--runs", str(runs), "--report", str(out)]) == 1

    assert f"report: {out / 'asleep'}.html" in capsys.readouterr().out
    page = (out / "asleep.html").read_text(encoding="utf-8")
    assert "replay_diverged" in page
    assert "download" in page
    events = json.loads((out / "asleep.perfetto.json").read_text())["traceEvents"]
    marks = [e for e in events if e.get("name") == "replay_diverged"]
    assert len(marks) == 1
    assert marks[0]["args"]["step"] == "fetch"
    assert marks[0]["args"]["new_step"] == "download"


def test_a_report_path_that_is_a_file_exits_2(
    runs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")

    assert (
        main(["check-deploy", "x:y", "--runs", str(runs), "--report", str(tmp_path / "file")]) == 2
    )
    assert "is a file; give a folder" in capsys.readouterr().err
