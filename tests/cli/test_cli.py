"""The inngest-sim command line: run, report, and its one-line errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from inngest_sim.cli import main

MODULE = """
import inngest

client = inngest.Inngest(app_id="cli-app", is_production=False)


@client.create_function(fn_id="greet", trigger=inngest.TriggerEvent(event="cli/greet"))
async def greet(ctx: inngest.Context) -> str:
    name = await ctx.step.run("name", lambda: ctx.event.data.get("name", "world"))
    return f"hello {name}"


@client.create_function(fn_id="fail", trigger=inngest.TriggerEvent(event="cli/fail"), retries=0)
async def fail(ctx: inngest.Context) -> None:
    raise ValueError("nope")
"""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "cli_user_fns.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "cli_user_fns"


def test_run_prints_the_timeline_and_exits_zero(
    user_module: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.html"
    code = main(
        [
            "run",
            f"{user_module}:greet",
            "--event",
            '{"name": "cli/greet", "data": {"name": "ada"}}',
            "--report",
            str(report),
            "--json",
        ]
    )
    assert code == 0
    (run,) = json.loads(capsys.readouterr().out)
    assert run["output"] == "hello ada"
    assert run["steps"]["name"] == {"attempts": ["ok"], "executions": 1}
    assert report.exists()


def test_run_of_a_failing_function_exits_one(
    user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{user_module}:fail"]) == 1
    assert "Failed" in capsys.readouterr().out


def test_run_every_function_of_a_client_with_an_event(
    user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{user_module}:client", "--event", '{"name": "cli/greet"}']) == 0
    assert "cli-app-greet: Completed" in capsys.readouterr().out


def test_run_with_a_fault_rule_retries(
    user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{user_module}:greet", "--fault", "transient:name:first=1", "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)
    assert run["steps"]["name"]["attempts"] == ["error", "ok"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "no_such_module_xyz:fn"], "cannot import module 'no_such_module_xyz'"),
        (["run", "{mod}:missing"], "has no attribute 'missing'"),
        (["run", "{mod}"], "is not MODULE:ATTR"),
        (["run", "{mod}:greet", "--event", "{not json"], "--event is not valid JSON"),
        (["run", "{mod}:greet", "--fault", "explode:x"], "unknown kind 'explode'"),
        (["run", "{mod}:greet", "--fault", "status:x:code=abc"], "must be a whole number"),
        (["run", "{mod}:client"], "needs --event"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_two(
    user_module: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.replace("{mod}", user_module) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_report_renders_a_saved_trace(tmp_path: Path, user_module: str) -> None:
    trace = tmp_path / "t.json"
    assert main(["run", f"{user_module}:greet", "--trace", str(trace)]) == 0
    assert main(["report", str(trace), "-o", str(tmp_path / "out.html")]) == 0
    assert "<html" in (tmp_path / "out.html").read_text(encoding="utf-8").lower()


def test_report_of_a_missing_file_exits_nonzero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path / "nope.json")]) != 0
    assert "cannot read" in capsys.readouterr().err
