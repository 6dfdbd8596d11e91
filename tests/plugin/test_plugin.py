"""The pytest plugin: marker, fixtures, options and failure reports, via pytester."""

from __future__ import annotations

import json

import pytest

from conftest import paste
from inngest_sim import Trace
from inngest_sim.trace import RunQueued

from .conftest import INI

RUN = ("-p", "no:cacheprovider")


def test_the_marker_configures_seed_and_limits(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_marker="""
        import pytest
        from inngest_sim import Limits
        from app import client, steps

        pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps], seed=7)

        @pytest.mark.inngest_sim(limits=Limits(max_steps=3))
        async def test_limits(inngest_sim):
            assert inngest_sim.seed == 7  # from the module's marker
            run = await inngest_sim.run(steps, data={"n": 5})
            assert run.status == "Failed"
            assert run.error["name"] == "InngestErrFunctionOverflowed"

        @pytest.mark.inngest_sim(seed=9)
        async def test_closest_marker_wins(inngest_sim):
            assert inngest_sim.seed == 9
            assert inngest_sim.limits.max_steps == 1000
        """
    )
    project.runpytest(*RUN).assert_outcomes(passed=2)


def test_the_seed_option_sets_the_default_seed(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_seed="""
        import pytest
        from app import client, steps

        pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps])

        async def test_seed(inngest_sim):
            assert inngest_sim.seed == 11

        def test_fails(inngest_sim_sync):
            inngest_sim_sync.run(steps)
            assert False, "show the report"
        """
    )
    result = project.runpytest(*RUN, "--inngest-sim-seed=11")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*- inngest-sim timeline -*", "seed=11 (set by --inngest-sim-seed)"]
    )
    result = project.runpytest(*RUN, "-k", "fails")
    result.stdout.fnmatch_lines(["seed=0 (the default; try others with --inngest-sim-seed=N)"])


def test_async_and_sync_tests_in_strict_mode(pytester: pytest.Pytester) -> None:
    from .conftest import APP

    pytester.makeini(INI.format(mode="strict"))
    pytester.makepyfile(app=APP)
    pytester.makepyfile(
        test_modes="""
        import pytest
        from app import client, steps

        pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps])

        @pytest.mark.asyncio
        async def test_async(inngest_sim):
            run = await inngest_sim.run(steps, data={"n": 3})
            assert run.output == [0, 1, 2]

        def test_sync(inngest_sim_sync):
            run = inngest_sim_sync.run(steps, data={"n": 2})
            assert run.output == [0, 1]
            assert [r.status for r in inngest_sim_sync.runs] == ["Completed"]
        """
    )
    project_result = pytester.runpytest(*RUN)
    project_result.assert_outcomes(passed=2)


def test_client_and_functions_can_come_from_fixtures(project: pytest.Pytester) -> None:
    project.makeconftest(
        """
        import pytest
        import app

        @pytest.fixture
        def inngest_client():
            return app.client

        @pytest.fixture
        def inngest_functions():
            return [app.steps, app.checks]
        """
    )
    project.makepyfile(
        test_fixtures="""
        from app import steps

        async def test_from_fixtures(inngest_sim):
            assert (await inngest_sim.run(steps)).status == "Completed"
        """
    )
    project.runpytest(*RUN).assert_outcomes(passed=1)


def test_a_missing_client_says_how_to_provide_one(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_missing="""
        async def test_no_client(inngest_sim):
            pass
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(errors=1)
    assert (
        "the inngest_sim fixtures need an inngest client. Pass it in the marker,\n"
        "    @pytest.mark.inngest_sim(client=client, functions=[my_fn])\n"
        "or override the `inngest_client` fixture (in conftest.py):\n"
        "    @pytest.fixture\n"
        "    def inngest_client():\n"
        "        return inngest.Inngest(app_id='my-app', is_production=False)"
    ) in result.stdout.str()


def test_missing_functions_say_how_to_provide_them(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_missing="""
        import pytest
        from app import client

        @pytest.mark.inngest_sim(client=client)
        def test_no_functions(inngest_sim_sync):
            pass
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*need the functions to serve*", "*def inngest_functions():"])


def test_unknown_marker_options_are_rejected(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_typo="""
        import pytest
        from app import client, steps

        @pytest.mark.inngest_sim(client=client, functions=[steps], seeds=3)
        async def test_typo(inngest_sim):
            pass
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option(s) seeds; known: *seed*"])


def test_a_failing_test_reports_seed_plan_and_timeline(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_fails="""
        import pytest
        from inngest_sim import Backoff, FaultPlan
        from app import client, steps

        def plan():
            faults = FaultPlan()
            faults.raises(ConnectionError("provider down"), step="s1", first=1)
            return faults

        @pytest.mark.inngest_sim(
            client=client, functions=[steps], seed=5, faults=plan, backoff=Backoff(jitter=0)
        )
        async def test_fails(inngest_sim):
            run = await inngest_sim.run(steps)
            assert run.output == "something else"
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- inngest-sim timeline -*",
            "seed=5 (set by the marker)",
            "fault plan, as code that rebuilds it (run it with seed=5):",
            "    from inngest_sim import FaultPlan",
            "",
            "    plan = FaultPlan(seed=0)",
            "    plan.raises(ConnectionError('provider down'), step='s1', first=1)",
            "",
            "+*0s  run * of plugin-tests-steps (t/steps)",
            "+*s1 * fault raises from rule rule-1",
            "+*s1 * attempt 0  error  ConnectionError: provider down",
            "+*s1 * retry in 15s (backoff), attempt 1",
            "+*s1 * attempt 1  ok",
            "+*run * Completed",
        ]
    )


def _plan_block(output: str) -> str:
    """The fault plan's code in a failure section, as a user would copy it."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("fault plan, as code"))
    block = []
    for line in lines[start + 1 :]:
        if line and not line.startswith("    "):
            break
        block.append(line.removeprefix("    "))
    return "\n".join(block).strip() + "\n"


def test_the_failure_sections_plan_runs_when_pasted(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_paste="""
        import inngest
        import pytest
        from inngest_sim import FaultPlan
        from app import client, steps

        def plan():
            faults = FaultPlan()
            faults.raises(lambda ctx: ConnectionError(f"down {ctx.attempt}"), step="s0", first=1)
            faults.raises(inngest.NonRetriableError("refused"), step="s1")
            faults.lose_response(step="s9", when=lambda ctx: ctx.attempt == 0)
            return faults

        @pytest.mark.inngest_sim(
            client=client, functions=[steps], faults=plan, assert_all_called=False
        )
        async def test_fails(inngest_sim):
            await inngest_sim.run(steps)
            assert False, "show the report"
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(failed=1)
    code = _plan_block(result.stdout.str())
    assert code.splitlines()[:2] == ["import inngest", "from inngest_sim import FaultPlan"]
    rebuilt = paste(code)["plan"]
    assert [r.to_code() for r in rebuilt.rules] == [
        "plan.raises(lambda ctx: ConnectionError(f\"down {ctx.attempt}\"), step='s0', first=1)",
        "plan.raises(inngest.NonRetriableError('refused'), step='s1')",
        "plan.lose_response(step='s9', when=lambda ctx: ctx.attempt == 0)",
    ]


def test_passing_tests_have_no_timeline_section(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_passes="""
        import pytest
        from app import client, steps

        @pytest.mark.inngest_sim(client=client, functions=[steps])
        def test_passes(inngest_sim_sync):
            assert inngest_sim_sync.run(steps).status == "Completed"
            print("captured output")
        """
    )
    result = project.runpytest(*RUN, "-rA")
    result.assert_outcomes(passed=1)
    assert "inngest-sim timeline" not in result.stdout.str()


def test_an_assertion_in_function_code_fails_the_run_at_once(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_assertion="""
        import pytest
        from app import client, checks

        @pytest.mark.inngest_sim(client=client, functions=[checks])
        async def test_fails_fast(inngest_sim):
            run = await inngest_sim.run(checks, data={"ok": False})
            assert run.status == "Failed"
            assert run.error["name"] == "AssertionError"
            assert len(run.steps["check"].attempts) == 1  # no retries

        @pytest.mark.inngest_sim(client=client, functions=[checks], fail_on_assertion=False)
        async def test_retries_when_turned_off(inngest_sim):
            run = await inngest_sim.run(checks, data={"ok": False})
            assert len(run.steps["check"].attempts) == 4
        """
    )
    project.runpytest(*RUN).assert_outcomes(passed=2)


def test_unused_fault_rules_fail_the_test_at_teardown(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_unused="""
        import pytest
        from inngest_sim import FaultPlan
        from app import client, steps

        def ghost():
            plan = FaultPlan()
            plan.raises(ValueError, step="never", name="ghost")
            return plan

        @pytest.mark.inngest_sim(client=client, functions=[steps], faults=ghost)
        async def test_unused(inngest_sim):
            await inngest_sim.run(steps)

        @pytest.mark.inngest_sim(
            client=client, functions=[steps], faults=ghost, assert_all_called=False
        )
        async def test_allowed(inngest_sim):
            await inngest_sim.run(steps)
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_unused*", "*ghost: raises(ValueError*"]
    )


def test_calls_to_api_routes_not_served_fail_the_test_at_teardown(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(
        test_unserved="""
        import httpx
        import pytest
        from app import client, steps

        def call_unserved(sim):
            # What an SDK newer than the simulator would do: call a route it lacks.
            sim.api.handle(httpx.Request("POST", "http://sim/v2/teleport", json={}))

        @pytest.mark.inngest_sim(client=client, functions=[steps])
        async def test_unserved(inngest_sim):
            await inngest_sim.run(steps)
            call_unserved(inngest_sim)

        @pytest.mark.inngest_sim(client=client, functions=[steps], allow_unserved_api=True)
        async def test_allowed(inngest_sim):
            call_unserved(inngest_sim)
        """
    )
    result = project.runpytest(*RUN)
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["*ERROR at teardown of test_unserved*", "*does not serve*POST /v2/teleport*"]
    )


def test_traces_are_written_to_the_folder(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_traces="""
        import pytest
        from app import client, steps

        pytestmark = pytest.mark.inngest_sim(client=client, functions=[steps])

        async def test_async(inngest_sim):
            await inngest_sim.run(steps)

        @pytest.mark.parametrize("n", [1, 3])
        def test_sync(inngest_sim_sync, n):
            inngest_sim_sync.run(steps, data={"n": n})
        """
    )
    project.runpytest(*RUN, "--inngest-sim-traces=out/traces").assert_outcomes(passed=3)
    folder = project.path / "out" / "traces"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "test_traces.py_test_async.html",
        "test_traces.py_test_async.json",
        "test_traces.py_test_sync_1.html",
        "test_traces.py_test_sync_1.json",
        "test_traces.py_test_sync_3.html",
        "test_traces.py_test_sync_3.json",
    ]
    trace = Trace.load(folder / "test_traces.py_test_sync_3.json")
    (queued,) = trace.of(RunQueued)
    assert queued.event["data"] == {"n": 3}
    assert json.loads((folder / "test_traces.py_test_async.json").read_text())["version"] == 1
    assert (folder / "test_traces.py_test_async.html").read_text().startswith("<!")
