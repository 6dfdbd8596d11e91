"""The plugin's defaults from the command line or the ini file, and which traces it keeps."""

from __future__ import annotations

import json

import pytest

from .conftest import INI

RUN = ("-p", "no:cacheprovider")

# A retried step: its backoff shows the jitter, its seed the simulator's.
RETRIED = """
import pytest
from inngest_sim import FaultPlan
from inngest_sim.trace import RetryScheduled
from app import client, steps

def flaky():
    plan = FaultPlan()
    plan.transient(step="s0", first=1)
    return plan

pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps], faults=flaky)

async def test_settings(inngest_sim):
    await inngest_sim.run(steps)
    (retry,) = inngest_sim.trace.of(RetryScheduled)
    print(f"seed={inngest_sim.seed} delay={retry.delay}")
"""


def _ini(project: pytest.Pytester, **settings: str) -> None:
    lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
    project.makeini(INI.format(mode="auto") + lines)


def test_ini_settings_give_the_fixtures_their_defaults(project: pytest.Pytester) -> None:
    _ini(project, inngest_sim_seed="13", inngest_sim_jitter="0")
    project.makepyfile(test_retried=RETRIED)
    result = project.runpytest(*RUN, "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*seed=13 delay=15.0*"])  # no jitter: the table's 15 s


def test_the_command_line_wins_over_the_ini_file(project: pytest.Pytester) -> None:
    _ini(project, inngest_sim_seed="13", inngest_sim_jitter="0")
    project.makepyfile(test_retried=RETRIED)
    result = project.runpytest(*RUN, "-s", "--inngest-sim-seed=4", "--inngest-sim-jitter=30")
    result.assert_outcomes(passed=1)
    (line,) = [li for li in result.stdout.lines if "seed=4 delay=" in li]
    delay = float(line.rsplit("delay=", 1)[1].split()[0])
    assert 15.0 < delay <= 45.0  # jittered by up to 30 s


def test_a_failure_says_where_the_seed_came_from(project: pytest.Pytester) -> None:
    _ini(project, inngest_sim_seed="13")
    project.makepyfile(
        test_fails="""
        import pytest
        from app import client, steps

        @pytest.mark.inngest_sim(client=client, functions=[steps])
        def test_fails(inngest_sim_sync):
            inngest_sim_sync.run(steps)
            assert False, "show the report"
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["seed=13 (set by inngest_sim_seed in the ini file)"])


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "inngest_sim_seed = seven",
            "inngest_sim_seed in the ini file = 'seven': expected a whole",
        ),
        ("inngest_sim_jitter = -1", "inngest_sim_jitter in the ini file = '-1': expected seconds"),
        ("inngest_sim_traces_on = failed", "= 'failed': expected all or fail"),
        ("inngest_sim_traces_with = pdf", "= 'pdf': expected html, perfetto, both"),
    ],
)
def test_a_bad_setting_is_a_usage_error_that_names_it(
    project: pytest.Pytester, setting: str, message: str
) -> None:
    project.makeini(INI.format(mode="auto") + setting + "\n")
    project.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = project.runpytest(*RUN)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_a_bad_option_is_a_usage_error_that_names_it(project: pytest.Pytester) -> None:
    project.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = project.runpytest(*RUN, "--inngest-sim-seed=x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--inngest-sim-seed = 'x': expected a whole number" in result.stderr.str()


TWO = """
import pytest
from inngest_sim import FaultPlan
from app import client, steps

def ghost():
    plan = FaultPlan()
    plan.raises(ValueError, step="never")
    return plan

pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps])

async def test_passes(inngest_sim):
    await inngest_sim.run(steps)

async def test_fails(inngest_sim):
    await inngest_sim.run(steps)
    assert False

@pytest.mark.inngest_sim(faults=ghost)
async def test_unused_rule(inngest_sim):
    await inngest_sim.run(steps)
"""


def test_traces_can_be_kept_for_failing_tests_only(project: pytest.Pytester) -> None:
    project.makepyfile(test_two=TWO)
    result = project.runpytest(*RUN, "--inngest-sim-traces=out", "--inngest-sim-traces-on=fail")
    result.assert_outcomes(passed=2, failed=1, errors=1)  # the unused rule errors at teardown
    names = sorted(p.name for p in (project.path / "out").iterdir())
    assert names == [
        "test_two.py_test_fails.html",
        "test_two.py_test_fails.json",
        "test_two.py_test_unused_rule.html",
        "test_two.py_test_unused_rule.json",
    ]
    result.stdout.fnmatch_lines(["trace: */out/test_two.py_test_fails.json"])


def test_the_ini_file_names_the_trace_folder_and_what_goes_with_it(
    project: pytest.Pytester,
) -> None:
    _ini(project, inngest_sim_traces="traces", inngest_sim_traces_with="html,perfetto")
    project.makepyfile(test_two=TWO)
    project.runpytest(*RUN, "-k", "passes").assert_outcomes(passed=1, deselected=2)
    names = sorted(p.name for p in (project.path / "traces").iterdir())
    assert names == [
        "test_two.py_test_passes.html",
        "test_two.py_test_passes.json",
        "test_two.py_test_passes.perfetto.json",
    ]
    exported = json.loads((project.path / "traces" / names[2]).read_text(encoding="utf-8"))
    assert any(e["ph"] == "X" and e.get("cat") == "run" for e in exported["traceEvents"])
    # The command line wins: another folder, and only the JSON.
    project.runpytest(
        *RUN, "-k", "passes", "--inngest-sim-traces=cli", "--inngest-sim-traces-with=none"
    ).assert_outcomes(passed=1, deselected=2)
    assert sorted(p.name for p in (project.path / "cli").iterdir()) == [
        "test_two.py_test_passes.json"
    ]
