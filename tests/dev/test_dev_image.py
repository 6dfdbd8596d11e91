"""The container image (``Dockerfile``): built, started and asked for its health where a
container engine can build images; its command checked everywhere.

Where no engine answers, the smoke test skips and says why. That alone would let a CI that
meant to check the image pass without it, so a CI that can build images sets
``INNGEST_SIM_REQUIRE_IMAGE=1``, and there a missing engine is a failure.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from inngest_sim._server.loopback import free_port

ROOT = Path(__file__).parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _command() -> str:
    """The shell command of the image's CMD."""
    match = re.search(r'^CMD \["sh", "-c", "(.+)"\]$', DOCKERFILE.read_text(), re.MULTILINE)
    assert match, "the Dockerfile's CMD is not the sh -c form this test reads"
    return match.group(1)


def test_the_image_command_parses_and_a_flag_in_the_environment_wins() -> None:
    # The image's own command, run here with the flags a user would add: it must parse,
    # and INNGEST_SIM_DEV_ARGS must override it (here back to loopback and any port, as
    # this shared machine allows; the image itself listens on 0.0.0.0).
    command = _command().replace("inngest-sim", f"{shlex.quote(sys.executable)} -m inngest_sim")
    env = {**os.environ, "INNGEST_SIM_DEV_ARGS": "--host 127.0.0.1 --port 0 --clock virtual"}
    process = subprocess.Popen(
        ["sh", "-c", command], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert "inngest-sim dev: serving on http://127.0.0.1:" in line, line
        url = line.split()[4]
        assert httpx.get(f"{url}/api/v2/health").json()["data"] == {"status": "ok"}
        assert httpx.get(f"{url}/dev").json()["clock"] == "virtual"
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0  # SIGTERM (docker stop) is a clean stop
        if process.stdout is not None:
            process.stdout.close()


def _engine() -> tuple[str | None, str]:
    """A container engine that answers, or None and why not."""
    for name in ("docker", "podman"):
        path = shutil.which(name)
        if path is None:
            continue
        done = subprocess.run([path, "info"], capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            return path, ""
        why = (done.stderr or done.stdout).strip().splitlines()
        return None, f"{name} info failed: {why[-1] if why else done.returncode}"
    return None, "no container engine (docker or podman) on PATH"


def test_the_image_builds_starts_and_answers() -> None:
    engine, why = _engine()
    if engine is None:
        message = f"cannot build the image here: {why}"
        if os.environ.get("INNGEST_SIM_REQUIRE_IMAGE") == "1":
            pytest.fail(f"{message}; INNGEST_SIM_REQUIRE_IMAGE=1 says this CI builds images")
        pytest.skip(f"{message} (CI that builds images sets INNGEST_SIM_REQUIRE_IMAGE=1)")
    tag = f"inngest-sim-dev-test:{uuid.uuid4().hex[:8]}"
    name = f"inngest-sim-dev-{uuid.uuid4().hex[:8]}"
    subprocess.run([engine, "build", "-q", "-t", tag, str(ROOT)], check=True, timeout=900)
    port = free_port()
    try:
        subprocess.run(
            [engine, "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8288", tag],
            check=True,
            timeout=60,
        )
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline:  # as CI polls Inngest's image until it answers
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v2/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert health is not None, "the container did not answer within 60 s"
        assert health.json()["data"] == {"status": "ok"}
        info = httpx.get(f"http://127.0.0.1:{port}/dev").json()
        assert info["server"] == "inngest-sim dev"
    finally:
        subprocess.run([engine, "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run([engine, "rmi", "-f", tag], capture_output=True, timeout=60)


@pytest.mark.parametrize("host", ["example.com", "::1", "0.0.0.0.0"])
def test_a_host_that_is_not_an_ipv4_address_is_one_line_and_status_2(host: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "inngest_sim", "dev", "--host", host, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == (
        f"inngest-sim dev: --host {host!r}: give an IPv4 address to listen on, 127.0.0.1 "
        "(the default) or 0.0.0.0 in a container\n"
    )
