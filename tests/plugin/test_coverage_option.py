"""``--inngest-sim-coverage=DIR``: the session's step coverage printed and written per function."""

from __future__ import annotations

import json

import pytest

RUN = ("-p", "no:cacheprovider")


def test_the_coverage_option_prints_and_writes_per_function(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_cov="""
        import pytest

        from app import checks, client, steps


        @pytest.mark.inngest_sim(client=client, functions=[steps, checks])
        async def test_runs(inngest_sim):
            await inngest_sim.run(steps, {"n": 2})
            await inngest_sim.run(checks, {"ok": True})
        """
    )

    result = project.runpytest(*RUN, "--inngest-sim-coverage=cov")

    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "*inngest-sim step coverage*",
            "plugin-tests-checks: 1 Completed; on_failure ran 0 time(s)",
            "  check: never retried, failed",
            "plugin-tests-steps: 1 Completed; on_failure ran 0 time(s)",
            "  s0: never retried, failed",
            "written: 2 file(s) in cov",
        ]
    )
    written = json.loads((project.path / "cov" / "plugin-tests-checks.json").read_text())
    assert written["steps"]["check"] == {"ran": 1}
    assert written["never"] == {"check": ["retried", "failed"]}


def test_without_the_option_nothing_is_collected(project: pytest.Pytester) -> None:
    project.makepyfile(test_none="def test_nothing():\n    pass\n")

    result = project.runpytest(*RUN)

    result.assert_outcomes(passed=1)
    assert "step coverage" not in result.stdout.str()
