"""The deploy check: each kind of change, against runs asleep, in flight and ended.

Every history is taken from a real run of the old code; the check resumes it against
a variant through the real SDK. No step body may run while it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import inngest
import pytest

from inngest_sim import Backoff, Simulator
from inngest_sim.faults import parse_fault_rules
from inngest_sim.history import HistoryError, RunHistory, check_deploy

from ._functions import BODIES, make


async def _history(*, settle: bool) -> RunHistory:
    client, flow = make()
    async with Simulator(client, [flow]) as sim:
        await sim.send({"name": "app/go", "data": {}})
        await (sim.settle() if settle else sim.advance(60))
        return sim.runs[0].history()


async def _check(variant: str, history: RunHistory) -> Any:
    client, flow = make(variant)
    BODIES.clear()
    report = await check_deploy(client, [flow], [history])
    assert BODIES == []  # the check ran no step body
    (verdict,) = report.verdicts
    return verdict


@pytest.mark.parametrize("settle", [False, True], ids=["asleep", "ended"])
@pytest.mark.parametrize("variant", ["old", "body_changed"])
async def test_safe_changes_continue_unchanged(variant: str, settle: bool) -> None:
    verdict = await _check(variant, await _history(settle=settle))

    assert verdict.ok, verdict.line()
    assert verdict.line().endswith("continues unchanged")


async def test_a_new_step_after_the_old_ones_is_safe_for_a_run_in_flight() -> None:
    verdict = await _check("append", await _history(settle=False))

    assert verdict.ok, verdict.line()


@pytest.mark.parametrize("settle", [False, True], ids=["asleep", "ended"])
@pytest.mark.parametrize(
    ("variant", "kind", "step", "new_step"),
    [
        ("rename", "reruns_step", "fetch", "download"),
        ("insert_first", "new_step_first", "fetch", "audit"),
        ("output_shape", "unreadable_output", "fetch", None),
    ],
)
async def test_unsafe_changes_name_the_first_step_that_differs(
    variant: str, kind: str, step: str, new_step: str | None, settle: bool
) -> None:
    verdict = await _check(variant, await _history(settle=settle))

    assert (verdict.kind, verdict.step, verdict.new_step) == (kind, step, new_step)
    assert not verdict.ok
    assert f"at step {step!r}" in verdict.line()
    assert "Fix: " in verdict.line()


async def test_a_renamed_sleep_restarts_for_a_run_asleep_in_it() -> None:
    verdict = await _check("rename_sleep", await _history(settle=False))

    assert (verdict.kind, verdict.step, verdict.new_step) == ("reruns_step", "nap", "rest")
    assert "starts Sleep 'rest' from the beginning" in verdict.detail


async def test_a_step_moved_before_the_sleep_runs_before_it() -> None:
    verdict = await _check("reorder", await _history(settle=False))

    assert (verdict.kind, verdict.step, verdict.new_step) == ("new_step_first", "nap", "total")


async def test_a_reordered_memoized_step_is_reached_out_of_order() -> None:
    verdict = await _check("reorder", await _history(settle=True))

    assert (verdict.kind, verdict.step, verdict.new_step) == ("skips_step", "nap", "total")
    assert "the order changed" in verdict.detail


async def test_a_removed_step_is_never_reached() -> None:
    verdict = await _check("skip_total", await _history(settle=True))

    assert (verdict.kind, verdict.step) == ("skips_step", "total")


async def test_a_new_step_after_an_ended_run_is_a_different_finish() -> None:
    verdict = await _check("append", await _history(settle=True))

    assert verdict.kind == "finishes_differently"
    assert "new steps ['notify']" in verdict.detail


def _sequence(renamed: bool) -> tuple[inngest.Inngest, inngest.Function[Any]]:
    client = inngest.Inngest(app_id="deploy-app", is_production=False)

    @client.create_function(fn_id="seq", trigger=inngest.TriggerEvent(event="app/seq"))
    async def seq(ctx: inngest.Context) -> str:
        await ctx.step.run("a", lambda: 1)
        await ctx.step.run("b2" if renamed else "b", lambda: BODIES.append("b"))
        return "ok"

    return client, seq


async def test_a_step_renamed_while_it_retries_inline_is_replaced_by_the_new_one() -> None:
    # On the Go dev server, a step that failed inline is retried by a plain request: after
    # 'b' was renamed 'b2' mid-retry, the retry ran 'b2' (at attempt 1) and the run completed.
    client, seq = _sequence(renamed=False)
    plan = parse_fault_rules(["transient:b:first=1"])
    async with Simulator(client, [seq], faults=plan, backoff=Backoff(jitter=0)) as sim:
        await sim.send({"name": "app/seq", "data": {}})
        await sim.advance(5)  # attempt 0 of 'b' failed; its retry is due later
        history = sim.runs[0].history()
    assert [(s.id, s.op, s.attempts) for s in history.in_flight] == [("b", "StepRun", 1)]

    BODIES.clear()
    old_client, old_seq = _sequence(renamed=False)
    new_client, new_seq = _sequence(renamed=True)
    same = await check_deploy(old_client, [old_seq], [history])
    renamed = await check_deploy(new_client, [new_seq], [history])

    assert BODIES == []
    assert same.ok, same.render()
    (verdict,) = renamed.verdicts
    assert (verdict.kind, verdict.step, verdict.new_step) == ("replaces_step", "b", "b2")
    assert "its retry (attempt 1) runs 'b2' in its place" in verdict.detail


def _group(last: str, *, after: bool = False) -> tuple[inngest.Inngest, inngest.Function[Any]]:
    client = inngest.Inngest(app_id="deploy-app", is_production=False)

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="app/fan"))
    async def fan(ctx: inngest.Context) -> list[Any]:
        names = ["p0", "p1", last]
        steps = tuple((lambda n=n: ctx.step.run(n, lambda: BODIES.append(n) or n)) for n in names)
        results = list(await ctx.group.parallel(steps))
        if after:
            await ctx.step.run("after", lambda: BODIES.append("after"))
        return results

    return client, fan


async def _fan_in_flight(*, after: bool = False) -> RunHistory:
    client, fan = _group("p2", after=after)
    plan = parse_fault_rules(["transient:p2:first=1"])
    async with Simulator(client, [fan], faults=plan, backoff=Backoff(jitter=0)) as sim:
        await sim.send({"name": "app/fan", "data": {}})
        await sim.advance(5)
        return sim.runs[0].history()


async def test_a_parallel_step_renamed_while_it_retries_ends_the_run_without_it() -> None:
    # On the Go dev server the retry of a planned step targets it; with 'p2' renamed 'q2'
    # the SDK skipped every branch and the run completed with ['p0', 'p1'].
    history = await _fan_in_flight()
    assert [(s.id, s.op) for s in history.in_flight] == [("p2", "StepPlanned")]
    client, fan = _group("q2")
    BODIES.clear()

    (verdict,) = (await check_deploy(client, [fan], [history])).verdicts

    assert BODIES == []
    assert (verdict.kind, verdict.step, verdict.new_step) == ("skips_step", "p2", "q2")
    assert "the SDK ends the run with ['p0', 'p1']" in verdict.detail


async def test_a_renamed_parallel_step_with_a_step_after_the_group_trips_the_sdks_error() -> None:
    # The targeted request skips 'q2' inside the group, then meets 'after' outside it.
    history = await _fan_in_flight(after=True)
    client, fan = _group("q2", after=True)
    BODIES.clear()

    (verdict,) = (await check_deploy(client, [fan], [history])).verdicts

    assert BODIES == []
    assert (verdict.kind, verdict.step, verdict.new_step) == ("diverges", "p2", "q2")
    assert verdict.detail == 'found step "after" when targeting a different step'


async def test_a_history_for_a_function_the_target_lacks_names_the_file(tmp_path: Path) -> None:
    history = await _history(settle=False)
    path = history.save(tmp_path / "runs" / "one.json")
    client, seq = _sequence(renamed=False)

    with pytest.raises(HistoryError, match=r"one\.json: field '\$\.function\.id': the target has"):
        await check_deploy(client, [seq], tmp_path / "runs")
    assert path.read_text(encoding="utf-8") == history.to_json()  # never modified


async def test_the_report_has_one_line_per_run_and_a_count() -> None:
    asleep, ended = await _history(settle=False), await _history(settle=True)
    client, flow = make("rename")

    report = await check_deploy(client, [flow], [asleep, ended])

    assert not report.ok
    lines = report.render().splitlines()
    assert len(lines) == 3
    assert lines[-1] == "2 run(s) checked: 2 would not continue unchanged"


async def test_a_run_checked_in_its_own_simulator_goes_on_as_before() -> None:
    client, seq = _sequence(renamed=False)
    plan = parse_fault_rules(["transient:b:first=1"])
    async with Simulator(client, [seq], faults=plan, backoff=Backoff(jitter=0)) as sim:
        await sim.send({"name": "app/seq", "data": {}})
        await sim.advance(5)
        run = sim.runs[0]
        BODIES.clear()

        report = await sim.check_deploy([run.history()])  # the run is live in this simulator
        assert report.ok, report.render()
        assert BODIES == []

        done = await sim.wait(run.run_id)

    # The run's own probe listener came back: its retry's body ran and was recorded.
    assert done.status == "Completed"
    assert BODIES == ["b"]
    assert done.steps["b"].executions == 1
