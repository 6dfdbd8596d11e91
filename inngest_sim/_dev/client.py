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
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._dev.main import READY
from inngest_sim._errors import SimError
from inngest_sim._server.loopback import nodelay_client

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["DevServerClient", "dev_server", "is_serving"]

ENDED = ("COMPLETED", "FAILED", "CANCELLED")


class DevServerClient:
    """Talks to a running ``inngest-sim dev`` at ``url`` (``http://127.0.0.1:8288``)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout
        # One keep-alive client (TCP_NODELAY) for every call; closed by close(), or
        # when this client is collected.
        self._http = nodelay_client(timeout)
        self._closer = weakref.finalize(self, self._http.close)

    def close(self) -> None:
        """Close the client's connections; it cannot be used after."""
        self._closer()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(
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
        """The run once it has ended; ``SimError`` after ``timeout`` real seconds.

        One request: the server answers ``GET /sim/runs/{id}?wait=`` when the run ends.
        """
        run = dict(
            self._call(
                "GET",
                f"/sim/runs/{run_id}",
                params={"wait": f"{timeout:g}"},
                timeout=timeout + 10,
            )
        )
        if run["status"] not in ENDED:
            raise SimError(f"run {run_id} did not end within {timeout:g}s ({run['status']})")
        return run

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
        port: the port (0: the server picks a free one and reports it).
        args: more command-line flags, e.g. ``["--no-auto-run", "--clock", "virtual"]``.
        set_env: point ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` (and ``DEV_SERVER_PORT``,
            which the Python SDK's own test helpers read) at it, restoring them after.
        start_timeout: real seconds to wait for the server to answer.
    """
    command = [sys.executable, "-m", "inngest_sim", "dev", "--port", str(port), *args]
    with tempfile.TemporaryDirectory(prefix="inngest-sim-dev-") as folder:
        log_path = Path(folder) / "dev.log"
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = _Output(process, log_path)
        try:
            url = output.wait_until_serving(start_timeout)
            names = ("INNGEST_BASE_URL", "INNGEST_DEV", "DEV_SERVER_PORT")
            saved = {name: os.environ.get(name) for name in names}
            if set_env:
                os.environ.update(
                    {
                        "INNGEST_BASE_URL": url,
                        "INNGEST_DEV": "1",
                        "DEV_SERVER_PORT": url.rsplit(":", 1)[1],
                    }
                )
            client = DevServerClient(url)
            try:
                yield client
            finally:
                client.close()
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
            output.close()


class _Output:
    """The server's output, copied to a log by a thread that also spots the ready line.

    Reading the line the server prints once it answers (``READY`` and its URL) needs no
    polling, and with ``--port 0`` it is how the port is learnt. The thread drains the
    pipe to the end, so a chatty server never blocks on a full pipe.
    """

    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process, self.log = process, log
        self.url: str | None = None
        self._changed = threading.Event()
        self._thread = threading.Thread(target=self._copy, name="inngest-sim-dev-output")
        self._thread.daemon = True
        self._thread.start()

    def _copy(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("wb") as log:
            for line in self.process.stdout:
                log.write(line)
                log.flush()
                text = line.decode("utf-8", "replace")
                if self.url is None and text.startswith(READY):
                    self.url = text[len(READY) :].split()[0]
                    self._changed.set()
        self._changed.set()  # the process closed its output: it has ended

    def wait_until_serving(self, timeout: float) -> str:
        if not self._changed.wait(timeout):
            raise SimError(f"inngest-sim dev did not start serving within {timeout:g}s")
        if self.url is None:
            self.process.wait()
            raise SimError(
                f"inngest-sim dev exited with {self.process.returncode} before serving: "
                f"{self.log.read_text('utf-8', 'replace')[-1000:]}"
            )
        return self.url

    def close(self) -> None:
        """Once the process has ended: the rest of its output, and the pipe closed."""
        self._thread.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


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
