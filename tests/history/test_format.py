"""Run histories: written from a run, read back equal, and strict about what they read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inngest_sim import Simulator
from inngest_sim.history import (
    FORMAT,
    VERSION,
    HistoryError,
    RunHistory,
    history_from_dict,
    load_histories,
    load_history,
)

from ._functions import make


async def _asleep() -> RunHistory:
    client, flow = make()
    async with Simulator(client, [flow]) as sim:
        await sim.send({"name": "app/go", "data": {"x": 1}})
        await sim.advance(60)
        return sim.runs[0].history()


async def test_a_sleeping_run_has_its_memos_in_save_order_and_where_it_sleeps() -> None:
    history = await _asleep()

    assert history.function_id == "deploy-app-flow"
    assert history.config["id"] == "deploy-app-flow"
    assert history.events[0]["data"] == {"x": 1}
    assert history.status == "Running"
    assert history.state == "sleeping"
    assert [(s.id, s.op, s.memo, s.attempts) for s in history.steps] == [
        ("fetch", "StepRun", {"data": {"n": 41}}, 1)
    ]
    assert history.paused_on is not None
    assert (history.paused_on.id, history.paused_on.op) == ("nap", "Sleep")
    assert history.until is not None
    assert history.describe().startswith("sleeping at 'nap' until ")


async def test_an_ended_run_keeps_every_memo_and_its_output(tmp_path: Path) -> None:
    client, flow = make()
    async with Simulator(client, [flow]) as sim:
        run = await sim.run(flow, {})
    path = run.save_history(tmp_path / "runs" / "done.json")

    history = load_history(path)
    assert [s.id for s in history.steps] == ["fetch", "nap", "total"]
    assert history.steps[1].memo is None  # a finished sleep's memo, as the server keeps it
    assert (history.state, history.status, history.output) == ("ended", "Completed", {"total": 42})
    assert history == run.history()
    assert history.source == str(path)


async def test_the_json_round_trip_gives_the_same_history(tmp_path: Path) -> None:
    history = await _asleep()
    data = json.loads(history.to_json())

    assert data["format"] == FORMAT
    assert data["version"] == VERSION
    assert history_from_dict(data) == history
    history.save(tmp_path / "a.json")
    history.save(tmp_path / "b.json")
    assert [h.run_id for h in load_histories(tmp_path)] == [history.run_id] * 2


def _edited(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    *parents, last = path.split(".")
    node: Any = copy
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return copy


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("version", 2, "field '$.version': is 2, newer than this inngest-sim reads (1)"),
        ("version", "1", "field '$.version': expected an integer, got a string"),
        ("format", "trace", "field '$.format': is 'trace'"),
        ("status", "Sleeping", "field '$.status': is 'Sleeping'; one of Running, Completed"),
        ("steps.0.hashed_id", 7, "field '$.steps[0].hashed_id': expected a string, got an integer"),
        ("steps.0.attempts", -1, "field '$.steps[0].attempts': is -1"),
        ("steps.0.memo", _DELETE, "field '$.steps[0].memo': missing"),
        ("steps.0.memo", {"error": "boom"}, "field '$.steps[0].memo.error': a step's error"),
        ("steps.0.colour", "red", "field '$.steps[0]': unknown field 'colour'"),
        ("status", "Completed", "field '$.where.state': is 'sleeping' but the run's status"),
        ("where.step.op", "StepRun", "field '$.where.step.op': a run sleeping is paused on"),
        ("where.until", "tomorrow", "field '$.where.until': 'tomorrow' is not an ISO 8601"),
        ("events", [], "field '$.events': is empty"),
        ("function", [], "field '$.function': expected an object, got a list"),
        ("run_id", _DELETE, "field '$.run_id': missing"),
    ],
)
async def test_a_hand_edited_history_names_the_file_and_the_field(
    tmp_path: Path, path: str, value: Any, message: str
) -> None:
    data = json.loads((await _asleep()).to_json())
    file = tmp_path / "edited.json"
    file.write_text(json.dumps(_edited(data, path, value)), encoding="utf-8")

    with pytest.raises(HistoryError) as caught:
        load_history(file)
    assert str(caught.value).startswith(f"{file}: {message}")


async def test_a_truncated_history_says_so(tmp_path: Path) -> None:
    text = (await _asleep()).to_json()
    file = tmp_path / "cut.json"
    file.write_text(text[: len(text) // 2], encoding="utf-8")

    with pytest.raises(
        HistoryError, match=r"cut\.json: not JSON at line \d+ .*\(is it truncated\?\)"
    ):
        load_history(file)


def test_a_missing_file_or_folder_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no such history file"):
        load_history(tmp_path / "nope.json")
    with pytest.raises(HistoryError, match="not a folder of run histories"):
        load_histories(tmp_path / "nope")
