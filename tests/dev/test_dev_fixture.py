"""The pytest plugin's ``inngest_dev_server`` fixture, and the dev command's bad flags."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from inngest_sim.dev import DevServerClient


def test_the_session_fixture_serves_and_points_the_sdks_at_it(
    inngest_dev_server: DevServerClient,
) -> None:
    assert os.environ["INNGEST_BASE_URL"] == inngest_dev_server.url
    assert os.environ["INNGEST_DEV"] == "1"
    assert httpx.get(f"{inngest_dev_server.url}/dev").json()["server"] == "inngest-sim dev"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--start", "2030-01-01T00:00:00Z"], "--start sets where virtual time starts"),
        (["--clock", "virtual", "--start", "tomorrow"], "--start 'tomorrow'"),
        (["-u", "localhost:3000"], "starts with http:// or https://"),
        (["--retry-delay", "-1"], "retry_delay=-1.0: give finite seconds >= 0"),
        (["--port", "70000"], "a TCP port is 0 (any free one) to 65535"),
    ],
)
def test_a_bad_flag_is_one_line_and_exit_status_2(flags: list[str], message: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inngest_sim", "dev", *flags],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stderr.startswith("inngest-sim dev: ")
