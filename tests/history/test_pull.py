"""Run histories imported from a live server's API, on answers recorded from the Go dev server.

The recorded run (``recorded/go-dev-sleeping``) was asleep in ``step.sleep("nap")`` after
two steps. The same run, resumed on the Go dev server after ``fetch`` was renamed to
``download``, ran ``download``'s body again: the verdict the check gives below.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import inngest
import pytest

from inngest_sim import SimError
from inngest_sim._history.pull import RunsSource, history_from_server
from inngest_sim.cli import main
from inngest_sim.history import check_deploy, load_history

RECORDED = Path(__file__).parent / "recorded"
SLEEPING = RECORDED / "go-dev-sleeping"
RUN_ID = "01M968FQZS5X704RREBK3K6SMP"


def _answers(gone: bool = False) -> httpx.MockTransport:
    """The Go dev server's recorded answers, by path."""
    files = {
        "/api/v2/apps/real-app/functions/flow/runs": "function_runs.json",
        f"/api/v2/runs/{RUN_ID}": "run.json",
        f"/api/v2/runs/{RUN_ID}/trace": "trace.json",
        f"/v0/runs/{RUN_ID}/actions": "actions.json",
        f"/v0/runs/{RUN_ID}/batch": "batch.json",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if gone and path.endswith("/actions"):
            text = (RECORDED / "go-dev-ended-actions-410.json").read_text()
            return httpx.Response(410, text=text)
        if path not in files:
            return httpx.Response(404, json={"errors": [{"code": "not_found"}]})
        return httpx.Response(200, text=(SLEEPING / files[path]).read_text())

    return httpx.MockTransport(answer)


def _source(gone: bool = False) -> RunsSource:
    return RunsSource("http://go-dev", http=httpx.Client(transport=_answers(gone)))


def test_a_sleeping_run_is_imported_with_its_memos_in_order_and_its_pause() -> None:
    history = _source().history(RUN_ID)

    assert history.function_id == "real-app-flow"
    assert (history.status, history.state, history.describe()) == (
        "Running",
        "sleeping",
        "sleeping at 'nap'",
    )
    assert [(s.id, s.op, s.memo) for s in history.steps] == [
        ("fetch", "StepRun", {"data": {"n": 41}}),
        ("second", "StepRun", {"data": "two"}),
    ]
    assert history.paused_on is not None
    assert history.paused_on.hashed_id == "c2640f79b4ed481b838ce4ad75330aa3f825d4d9"
    assert history.events[0]["data"] == {"x": 1}
    assert history.config == {}  # v2 does not return the registered configuration


def _flow(fetch_id: str) -> tuple[inngest.Inngest, inngest.Function[Any]]:
    client = inngest.Inngest(app_id="real-app", is_production=False)

    @client.create_function(fn_id="flow", trigger=inngest.TriggerEvent(event="real/go"))
    async def flow(ctx: inngest.Context) -> dict[str, Any]:
        a = await ctx.step.run(fetch_id, lambda: {"n": 41})
        await ctx.step.run("second", lambda: "two")
        await ctx.step.sleep("nap", dt.timedelta(hours=1))
        return {"total": await ctx.step.run("total", lambda: a["n"] + 1)}

    return client, flow


async def test_the_imported_run_is_checked_as_the_server_would_resume_it() -> None:
    history = _source().history(RUN_ID)
    same_client, same = _flow("fetch")
    renamed_client, renamed = _flow("download")

    assert (await check_deploy(same_client, [same], [history])).ok
    (verdict,) = (await check_deploy(renamed_client, [renamed], [history])).verdicts
    assert (verdict.kind, verdict.step, verdict.new_step) == ("reruns_step", "fetch", "download")


def test_an_ended_run_cannot_be_pulled_and_says_why() -> None:
    with pytest.raises(SimError, match="has ended and the server no longer holds its memoized"):
        _source(gone=True).history(RUN_ID)


def test_runs_pull_writes_a_history_per_run_of_the_function(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    transport = _answers()
    real_client = httpx.Client

    def recorded_client(**kwargs: Any) -> httpx.Client:
        return real_client(transport=transport, **kwargs)

    monkeypatch.setattr(httpx, "Client", recorded_client)
    out = tmp_path / "runs"

    code = main(
        [
            "runs",
            "pull",
            "--from",
            "http://go-dev",
            "--app",
            "real-app",
            "--function",
            "flow",
            "--out",
            str(out),
        ]
    )

    assert code == 0
    written = load_history(out / f"{RUN_ID}.json")
    assert written.paused_on is not None
    assert "1 run(s) written" in capsys.readouterr().out
    assert json.loads((out / f"{RUN_ID}.json").read_text())["function"]["id"] == "real-app-flow"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", "real-app"], "--app and --function go together"),
        ([], "say which runs"),
    ],
)
def test_runs_pull_without_runs_to_pull_exits_2(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["runs", "pull", "--from", "http://go-dev", "--out", str(tmp_path), *args])

    assert code == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_server_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["runs", "pull", "--from", "http://127.0.0.1:9", "--run", RUN_ID, "--out", str(tmp_path)]
    )

    assert code == 2
    assert "cannot reach http://127.0.0.1:9/api/v2/runs/" in capsys.readouterr().err


def test_a_step_planned_in_a_group_is_told_apart_from_one_run_inline() -> None:
    # Recorded after the run ended; its root is set back to RUNNING to stand for the
    # moment 'p2' was between retries (p0 and p1 saved). The group's steps were queued
    # within 3 ms of each other; 'fetch' and 'second' of the sleeping run, 118 ms apart.
    root = json.loads((RECORDED / "go-dev-parallel-trace.json").read_text())["data"]["rootSpan"]
    run = {"id": "01M969N6J8RANTQJ9D2EH72KE9", "app": {"id": "real-app"}, "function": {"id": "par"}}
    memos = {
        "f187cebb22cb0444557b525de5b371e58e7199ef": {"data": "p0"},
        "b78f576611ec06f96af3ca654c22172a5d746c40": {"data": "p1"},
    }

    history = history_from_server(run, {**root, "status": "RUNNING"}, memos, [{"name": "real/par"}])

    assert [(s.id, s.op) for s in history.in_flight] == [("p2", "StepPlanned")]
    assert [s.id for s in history.steps] == ["p1", "p0"]  # in the order they ended
