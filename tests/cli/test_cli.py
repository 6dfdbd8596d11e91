"""The inngest-sim command line: run, report, and its one-line errors."""

from __future__ import annotations

import importlib.metadata
import json
import sys
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


@client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="cli/parent"))
async def parent(ctx: inngest.Context) -> str:
    await ctx.step.send_event("kick", inngest.Event(name="cli/greet", data={"name": "child"}))
    return "sent"
"""


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "cli_user_fns.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    (tmp_path / "broken_syntax.py").write_text("def broken(:\n", encoding="utf-8")
    (tmp_path / "raises_on_import.py").write_text(
        "raise RuntimeError('no config')\n", encoding="utf-8"
    )
    (tmp_path / "afile").write_text("", encoding="utf-8")
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
        (["run", "{mod}:greet", "--event", '{"name": 5}'], "needs a 'name' string"),
        (["run", "{mod}:greet", "--event", '{"name": "cli/greet", "data": [1]}'], "data must be"),
        (["run", "broken_syntax:fn"], "has a syntax error at"),
        (["run", "raises_on_import:fn"], "raised RuntimeError: no config"),
        (["run", "{mod}:greet", "--report", "."], "is a directory"),
        (["run", "{mod}:greet", "--trace", "afile/t.json"], "a parent of it is a file"),
        (["run", "{mod}:greet", "--fault", "transient:x:frist=1"], "did you mean first=?"),
        (
            ["run", "{mod}:greet", "--fault", "transient:name:function=nope"],
            "(from 'transient:name:function=nope'): function='nope' matches no served function",
        ),
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


def test_run_waits_for_the_runs_the_named_run_started(
    user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{user_module}:parent", "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert [(r["function_id"], r["status"]) for r in runs] == [
        ("cli-app-parent", "Completed"),
        ("cli-app-greet", "Completed"),
    ]
    assert runs[1]["output"] == "hello child"


def test_run_warns_about_fault_rules_that_never_matched(
    user_module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", f"{user_module}:greet", "--fault", "transient:no-such-step"]) == 0
    err = capsys.readouterr().err
    assert "warning: fault rule never matched: rule-1: transient(step='no-such-step')" in err


def test_no_file_is_written_when_an_output_path_is_wrong(
    user_module: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "r.html"
    assert main(["run", f"{user_module}:greet", "--report", str(good), "--trace", "afile/x"]) == 2
    assert not good.exists()
    assert "Completed" not in capsys.readouterr().out  # nothing ran


@pytest.mark.parametrize(
    "records",
    [
        ["not a record"],
        [{"kind": "run_queued", "seq": 0, "t": "yesterday", "wall": 0}],
        [
            {
                "kind": "response_handled",
                "seq": 0,
                "t": 0,
                "wall": 0,
                "run_id": "r",
                "request_id": "q",
                "status": 200,
                "ops": [1, 2],
                "error": None,
                "wall_seconds": 0,
                "body_bytes": 0,
            }
        ],
        [
            {
                "kind": "run_queued",
                "seq": 0,
                "t": 0.0,
                "wall": 0.0,
                "run_id": "r",
                "function_id": "f",
                "event": "not an event",
            }
        ],
    ],
    ids=["not objects", "string times", "ops of numbers", "an event that is no event"],
)
def test_report_of_a_corrupted_trace_is_one_line_and_exit_two(
    tmp_path: Path, records: list[object], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"version": 1, "records": records}), encoding="utf-8")
    code = main(["report", str(path), "-o", str(tmp_path / "o.html")])
    err = capsys.readouterr().err
    assert code == 2
    assert "is not a saved trace" in err
    assert len(err.strip().splitlines()) == 1


def test_report_of_deeply_nested_json_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"records": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert main(["report", str(path), "-o", str(tmp_path / "o.html")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert (
        capsys.readouterr().out.strip()
        == f"inngest-sim {importlib.metadata.version('inngest-sim')}"
    )


def test_dev_without_its_extra_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As if `pip install inngest-sim` had been run without [dev]: uvicorn cannot be imported.
    monkeypatch.setitem(sys.modules, "uvicorn", None)

    assert main(["dev", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "inngest-sim dev: needs the [dev] extra, which is not installed (missing: uvicorn); "
        "install it with: pip install 'inngest-sim[dev]'"
    ]


def test_run_says_where_it_wrote_the_report_and_the_trace(
    user_module: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, trace = tmp_path / "out" / "r.html", tmp_path / "t.json"
    event = '{"name": "cli/greet", "data": {"name": "ada"}}'
    args = ["run", f"{user_module}:greet", "--event", event, "--report", str(report)]
    assert main([*args, "--trace", str(trace)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"inngest-sim run: wrote the trace to {trace} (1 run, {_records(trace)} records, "
        f"{trace.stat().st_size:,} bytes)",
        f"inngest-sim run: wrote the timeline report to {report} (1 run, {_records(trace)} "
        f"records, {report.stat().st_size:,} bytes)",
    ]


def _records(path: Path) -> int:
    from inngest_sim.trace import Trace

    return len(Trace.load(path))
