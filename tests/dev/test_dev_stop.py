"""``inngest-sim dev`` stops cleanly on SIGTERM and SIGINT: exit status 0, not death by signal."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from inngest_sim._dev.main import READY


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_server_with_status_0(sig: signal.Signals) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "inngest_sim", "dev", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        assert first.startswith(READY), first
        process.send_signal(sig)
        assert process.wait(timeout=20) == 0
        assert "Traceback" not in process.stdout.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
