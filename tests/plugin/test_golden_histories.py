"""The ``inngest_golden_histories`` fixture: record with a flag, check, fail with the report."""

from __future__ import annotations

import pytest

RUN = ("-p", "no:cacheprovider")

TESTS = """
import pytest

from app import client, steps
from inngest_sim import Simulator
from inngest_sim.faults import parse_fault_rules


@pytest.fixture
def goldens(inngest_golden_histories):
    return inngest_golden_histories("goldens")


async def test_keep(goldens):
    plan = parse_fault_rules(["transient:s1:first=1"])
    async with Simulator(client, [steps], faults=plan) as sim:
        await sim.send({"name": "t/steps", "data": {"n": 3}})
        await sim.advance(1)
        goldens.keep(sim.runs[0], "steps-retrying")


async def test_check(goldens):
    await goldens.check(client, [steps])
"""


def test_goldens_are_recorded_with_the_flag_and_then_checked(project: pytest.Pytester) -> None:
    project.makepyfile(test_goldens=TESTS)

    missing = project.runpytest(*RUN)
    missing.assert_outcomes(failed=2)
    missing.stdout.fnmatch_lines(["*no golden history *steps-retrying.json; run the tests with*"])

    project.runpytest(*RUN, "--inngest-sim-record-histories").assert_outcomes(passed=2)
    assert (project.path / "goldens" / "steps-retrying.json").is_file()
    project.runpytest(*RUN).assert_outcomes(passed=2)


def test_a_change_that_hurts_a_run_in_flight_fails_with_the_report(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_goldens=TESTS)
    project.runpytest(*RUN, "--inngest-sim-record-histories").assert_outcomes(passed=2)
    app = project.path / "app.py"
    app.write_text(app.read_text().replace('f"s{i}"', 'f"step-{i}"'))

    result = project.runpytest(*RUN, "-k", "test_check")

    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(
        [
            "*runs in flight would not survive this code:*",
            "*steps-retrying.json: plugin-tests-steps (running ('s1' in flight)): would re-run"
            " a completed step at step 's0' (new code: 'step-0')*",
        ]
    )
