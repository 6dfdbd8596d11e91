"""Starts and stops the TypeScript app (`tests/dev/ts_app`, built) on a free loopback port."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

APP_DIR = Path(__file__).parent / "ts_app"
_READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+/api/inngest)")


@dataclass
class RunningApp:
    process: subprocess.Popen[bytes]
    serve_url: str
    startup_s: float
    log: Path

    def stop(self) -> str:
        """Stop the app; returns its output (the SDK logs its warnings there)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        text = self.log.read_text("utf-8", "replace")
        self.log.unlink()
        return text


def start_app(api_url: str, *, checkpointing: bool) -> RunningApp:
    """Run `node dist/main.js` pointed at `api_url`; returns once it is listening."""
    if not (APP_DIR / "dist" / "main.js").exists():
        raise RuntimeError(f"build the app first: cd {APP_DIR} && npm ci && npm run build")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PORT": "0",
        "INNGEST_DEV": "1",
        "INNGEST_BASE_URL": api_url,
        "TS_APP_CHECKPOINTING": "on" if checkpointing else "off",
    }
    # Output goes to a file, not a pipe: an unread pipe fills up and blocks the SDK's logging.
    fd, name = tempfile.mkstemp(prefix="ts-app-", suffix=".log")
    log = Path(name)
    started = time.monotonic()
    process = subprocess.Popen(
        ["node", "dist/main.js"], cwd=APP_DIR, env=env, stdout=fd, stderr=subprocess.STDOUT
    )
    os.close(fd)
    while time.monotonic() - started < 20:
        match = _READY.search(log.read_text("utf-8", "replace"))
        if match is not None:
            return RunningApp(process, match.group(1), time.monotonic() - started, log)
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.kill()
    process.wait()
    raise RuntimeError(f"the app did not start: {log.read_text('utf-8', 'replace')!r}")
