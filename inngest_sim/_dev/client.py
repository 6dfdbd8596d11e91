"""The Python side of ``inngest-sim dev``: a client, and a context manager that starts it.

``dev_server()`` runs ``inngest-sim dev`` in a subprocess on a free loopback port, waits
until it answers, and points ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` at it (both SDKs
read them) for as long as the block lasts. ``DevServerClient`` drains, lists and clears
held runs, lists events and runs, and waits for a run to end.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._errors import SimError
from inngest_sim._server.loopback import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["DevServerClient", "dev_server", "is_serving"]

ENDED = ("COMPLETED", "FAILED", "CANCELLED")


class DevServerClient:
    """Talks to a running ``inngest-sim dev`` at ``url`` (``http://127.0.0.1:8288``)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = httpx.request(
                method, f"{self.url}{path}", timeout=kwargs.pop("timeout", self._timeout), **kwargs
            )
        except httpx.HTTPError as exc:
            raise SimError(
                f"inngest-sim dev at {self.url} did not answer {method} {path}: {exc}"
            ) from exc
        if response.status_code >= 400:
            raise SimError(
                f"inngest-sim dev answered {method} {path} with {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response.json()

    def queued(self) -> list[dict[str, Any]]:
        """Runs held by ``--no-auto-run`` (function id, event), oldest first."""
        return list(self._call("GET", "/sim/queue")["held"])

    def drain(self, *, wait: bool = True, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Start every held run; with ``wait``, return once they ended (or ``timeout``)."""
        params = {"wait": "1" if wait else "0", "timeout": str(timeout)}
        answer = self._call("POST", "/sim/queue/drain", params=params, timeout=timeout + 10)
        return list(answer["runs"])

    def clear(self) -> int:
        """Drop every held run; returns how many there were."""
        return int(self._call("DELETE", "/sim/queue")["cleared"])

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every event the server received (``source``: event-api, lifecycle, invoke...)."""
        params = {"name": name} if name is not None else {}
        return list(self._call("GET", "/sim/events", params=params)["events"])

    def runs(self) -> list[dict[str, Any]]:
        """Every run the dev server knows, as ``GET /sim/runs`` lists them."""
        return list(self._call("GET", "/sim/runs")["runs"])

    def run(self, run_id: str) -> dict[str, Any]:
        """A run with its steps (as ``GET /sim/runs/{id}``)."""
        return dict(self._call("GET", f"/sim/runs/{run_id}"))

    def wait_for_run(self, run_id: str, *, timeout: float = 30.0) -> dict[str, Any]:
        """Poll until the run has ended; ``SimError`` after ``timeout`` real seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(SimError):
                run = self.run(run_id)
                if run["status"] in ENDED:
                    return run
            if time.monotonic() > deadline:
                raise SimError(f"run {run_id} did not end within {timeout:g}s")
            time.sleep(0.05)

    def sync(self, url: str) -> None:
        """Have the server sync the app served at ``url``."""
        self._call("POST", "/sim/apps", params={"url": url})


@contextlib.contextmanager
def dev_server(
    *,
    port: int = 0,
    args: Sequence[str] = (),
    set_env: bool = True,
    start_timeout: float = 20.0,
) -> Iterator[DevServerClient]:
    """Run ``inngest-sim dev`` for the block; yields a client for it.

    Args:
        port: the port (0 picks a free one).
        args: more command-line flags, e.g. ``["--no-auto-run", "--clock", "virtual"]``.
        set_env: point ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` (and ``DEV_SERVER_PORT``,
            which the Python SDK's own test helpers read) at it, restoring them after.
        start_timeout: real seconds to wait for the server to answer.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "inngest_sim", "dev", "--port", str(port), *args]
    with tempfile.TemporaryDirectory(prefix="inngest-sim-dev-") as folder:
        log_path = Path(folder) / "dev.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(process, port, log_path, start_timeout)
            names = ("INNGEST_BASE_URL", "INNGEST_DEV", "DEV_SERVER_PORT")
            saved = {name: os.environ.get(name) for name in names}
            if set_env:
                os.environ.update(
                    {"INNGEST_BASE_URL": url, "INNGEST_DEV": "1", "DEV_SERVER_PORT": str(port)}
                )
            try:
                yield DevServerClient(url)
            finally:
                if set_env:
                    for name, value in saved.items():
                        if value is None:
                            os.environ.pop(name, None)
                        else:
                            os.environ[name] = value
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def is_serving(port: int) -> bool:
    """Whether ``inngest-sim dev`` answers ``GET /dev`` on ``port`` now.

    http.client, not httpx: a new httpx client builds an SSL context (tens of
    milliseconds), which a start-up poll would pay on every try.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/dev")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_until_up(process: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SimError(
                f"inngest-sim dev exited with {process.returncode} before serving: "
                f"{log.read_text('utf-8', 'replace')[-1000:]}"
            )
        if is_serving(port):
            return
        time.sleep(0.01)
    raise SimError(f"inngest-sim dev did not answer on port {port} within {timeout:g}s")
