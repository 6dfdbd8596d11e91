"""The ``inngest_dev_server`` fixture takes its server's flags from ``inngest_dev_args``."""

from __future__ import annotations

import pytest

from .conftest import INI

RUN = ("-p", "no:cacheprovider")

HELD = """
def test_time_is_held_and_moves_when_advanced(inngest_dev_server):
    before = inngest_dev_server.time()
    assert (before["clock"], before["held"], before["now"]) == (
        "virtual", True, "2030-01-01T00:00:00Z"
    )
    after = inngest_dev_server.advance(3 * 86400)
    assert after["now"] == "2030-01-04T00:00:00Z"
"""


def test_the_ini_setting_gives_the_server_its_flags(project: pytest.Pytester) -> None:
    flags = "--clock virtual --hold-time --start '2030-01-01T00:00:00Z'"
    project.makeini(INI.format(mode="auto") + f"inngest_dev_args = {flags}\n")
    project.makepyfile(test_held=HELD)
    project.runpytest(*RUN).assert_outcomes(passed=1)


def test_the_command_line_gives_them_too(project: pytest.Pytester) -> None:
    project.makepyfile(test_held=HELD)
    flags = "--clock virtual --hold-time --start 2030-01-01T00:00:00Z"
    project.runpytest(*RUN, f"--inngest-dev-args={flags}").assert_outcomes(passed=1)


def test_unbalanced_quotes_are_a_usage_error_that_names_them(project: pytest.Pytester) -> None:
    project.makeini(INI.format(mode="auto") + "inngest_dev_args = --start '2030\n")
    project.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = project.runpytest(*RUN)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert 'inngest_dev_args in the ini file = "--start \'2030"' in result.stderr.str()
    assert "No closing quotation" in result.stderr.str()


UNSERVED = """
import httpx
import pytest

def call(server, path):
    return httpx.post(server.url + path, json={"name": "demo/ping"}).status_code

def test_unserved(inngest_dev_server):
    assert call(inngest_dev_server, "/v2/teleport") == 404

def test_served_only(inngest_dev_server):
    assert call(inngest_dev_server, "/e/key") == 200

@pytest.mark.inngest_sim(allow_unserved_api=True)
def test_allowed(inngest_dev_server):
    assert call(inngest_dev_server, "/v2/teleport") == 404

def test_fails_for_its_own_reason(inngest_dev_server):
    call(inngest_dev_server, "/v2/teleport")
    assert False, "its own failure"
"""


def test_an_unserved_call_to_the_dev_server_fails_the_test(project: pytest.Pytester) -> None:
    project.makepyfile(test_unserved=UNSERVED)
    result = project.runpytest(*RUN)
    # test_served_only runs after test_unserved on the same server: only calls made
    # while a test ran count against it.
    result.assert_outcomes(passed=3, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unserved*",
            "*inngest_dev_server (http://127.0.0.1:*), while this test ran*"
            "does not serve*POST /v2/teleport*allow_unserved_api=True*",
        ]
    )
    assert "ERROR at teardown of test_fails_for_its_own_reason" not in result.stdout.str()
