"""The Python side of ``inngest-sim dev``: a client, and a context manager that starts it.

``dev_server()`` runs ``inngest-sim dev`` in a subprocess on a free loopback port, waits
until it answers, and points ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` at it (both SDKs
read them) for as long as the block lasts. ``DevServerClient`` drains, lists and clears
held runs, lists events and runs, and waits for a run to end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import warnings
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._clock import VirtualClock
from inngest_sim._dev.main import READY
from inngest_sim._dev.options import DEFAULT_PORT
from inngest_sim._errors import InvalidArgument, SimError
from inngest_sim._protocol import parse_iso_time
from inngest_sim._server.loopback import nodelay_client
from inngest_sim._validation import check_duration, given

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from inngest_sim.trace import Trace

__all__ = ["DevServerClient", "DevServerPortWarning", "dev_server", "is_serving", "port_is_free"]

ENDED = ("COMPLETED", "FAILED", "CANCELLED")


class DevServerClient:
    """Talks to a running ``inngest-sim dev`` at ``url`` (``http://127.0.0.1:8288``)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self._timeout = timeout
        self._mirror: VirtualClock | None = None  # the server's held time, in follow_time()
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

    def save_history(self, run_id: str, path: str | Path) -> Path:
        """Write the run's history (``GET /sim/runs/{id}/history``) to ``path``, as
        ``RunResult.save_history`` does: a golden for ``inngest-sim check-deploy``."""
        from inngest_sim._history.read import history_from_dict

        data = self._call("GET", f"/sim/runs/{run_id}/history")
        return history_from_dict(data, f"{self.url}/sim/runs/{run_id}/history").save(path)

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

    def next_seq(self) -> int:
        """The seq the server's next trace record gets (``GET /sim/seq``): read it before
        what you test, then ``api_calls(since=...)`` gives the calls made after."""
        return int(self._call("GET", "/sim/seq")["next_seq"])

    def api_calls(self, *, since: int = 0) -> Trace:
        """The Inngest API calls the server recorded from trace seq ``since`` on, as a
        ``Trace`` of ``ApiCalled`` records (``GET /sim/api-calls?since=``);
        ``inngest_sim.assertions.assert_api_served`` checks it."""
        from inngest_sim.trace import Trace

        if isinstance(since, bool) or not isinstance(since, int) or since < 0:
            raise InvalidArgument(
                f"{given('since', since)}: expected a record seq, a whole number >= 0, "
                "e.g. the value next_seq() gave before the calls"
            )
        answer = self._call("GET", "/sim/api-calls", params={"since": since})
        return Trace.from_json(json.dumps(answer))

    def sync(self, url: str) -> None:
        """Have the server sync the app served at ``url``."""
        self._call("POST", "/sim/apps", params={"url": url})

    @property
    def env(self) -> dict[str, str]:
        """The variables that point an SDK at this server (for an app in a subprocess)."""
        return {"INNGEST_DEV": "1", "INNGEST_BASE_URL": self.url}

    def inngest_client(self, app_id: str, **options: Any) -> Any:
        """An ``inngest.Inngest`` client bound to this server, whatever the environment says.

        ``options`` go to ``inngest.Inngest`` (``is_production``, ``api_base_url`` and
        ``event_api_base_url`` are this server's).
        """
        import inngest

        return inngest.Inngest(
            app_id=app_id,
            **{
                **options,
                "is_production": False,
                "api_base_url": self.url,
                "event_api_base_url": self.url,
            },
        )

    # ----------------------------------------------------------------- time
    def time(self) -> dict[str, Any]:
        """The clock: ``now``, ``held``, ``in_flight``, ``next_timer`` and ``idle``."""
        return self._time_call("GET", "/sim/time")

    def _time_call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call that answers with the clock; ``follow_time()``'s mirror moves with it."""
        state = dict(self._call(method, path, **kwargs))
        if self._mirror is not None:
            self._mirror.advance_to(parse_iso_time(state["now"]))
        return state

    @contextlib.contextmanager
    def follow_time(self) -> Iterator[DevServerClient]:
        """Inside this block this process's wall clock reads the server's held virtual time.

        For a Python app served in the test's own process: the Python SDK computes a
        ``step.sleep``'s end from the app's wall clock (``datetime.now() + duration``),
        so on a virtual dev server it must read virtual time, as the in-process
        simulator arranges with time-machine. Needs held time (``--hold-time`` or
        ``hold_time()``): time then moves only through this client's ``advance`` calls,
        whose answers move the mirror. Monotonic clocks are not touched.
        """
        from inngest_sim._runtime.wallclock import WallClock

        state = self.time()
        if not state["held"]:
            raise InvalidArgument(
                "follow_time() needs held virtual time, or the server's clock would jump "
                "without this process knowing: start the server with --clock virtual "
                "--hold-time, or call it inside hold_time()"
            )
        if self._mirror is not None:
            raise InvalidArgument("follow_time() is already active for this client")
        self._mirror = VirtualClock(parse_iso_time(state["now"]), autojump=False)
        try:
            with WallClock(self._mirror).started():
                yield self
        finally:
            self._mirror = None

    @contextlib.contextmanager
    def hold_time(self) -> Iterator[DevServerClient]:
        """Inside this block virtual time moves only through ``advance``/``advance_to``.

        As the in-process ``sim.hold_time()``: a wait's timeout or a sleep's end comes
        only when the test moves time there. Needs ``--clock virtual``.
        """
        was_held = bool(self.time()["held"])  # a --hold-time server stays held after
        self._time_call("POST", "/sim/time/hold")
        try:
            yield self
        finally:
            if not was_held:
                self._time_call("DELETE", "/sim/time/hold")

    def advance(self, delta: dt.timedelta | float, *, timeout: float = 60.0) -> dict[str, Any]:
        """Move virtual time forward by ``delta``, running everything due on the way.

        Answers once time is there (at most ``timeout`` real seconds for the requests
        on the way). Refused (``SimError``) while a request is in flight: call
        ``wait_idle()`` first.
        """
        seconds = check_duration("delta", delta)
        return self._time_call(
            "POST", "/sim/time/advance", json={"seconds": seconds}, timeout=timeout
        )

    def advance_to(self, when: dt.datetime, *, timeout: float = 60.0) -> dict[str, Any]:
        """Move virtual time forward to ``when`` (an aware datetime, not in the past)."""
        if not isinstance(when, dt.datetime) or when.tzinfo is None:
            raise InvalidArgument(
                f"{given('when', when)}: expected an aware datetime, e.g. "
                "datetime(2026, 1, 1, 9, tzinfo=timezone.utc)"
            )
        text = when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return self._time_call("POST", "/sim/time/advance-to", json={"time": text}, timeout=timeout)

    def wait_idle(self, *, timeout: float = 30.0) -> dict[str, Any]:
        """Once no request is in flight and nothing is due now; ``SimError`` after ``timeout``."""
        params = {"timeout": f"{timeout:g}"}
        state = self._time_call("GET", "/sim/idle", params=params, timeout=timeout + 10)
        if not state["idle"]:
            raise SimError(
                f"inngest-sim dev was still busy after {timeout:g}s: {state['in_flight']} "
                f"request(s) in flight, next timer {state['next_timer']}"
            )
        return state


@contextlib.contextmanager
def dev_server(
    *,
    port: int | None = None,
    args: Sequence[str] = (),
    set_env: bool = True,
    start_timeout: float = 20.0,
) -> Iterator[DevServerClient]:
    """Run ``inngest-sim dev`` for the block; yields a client for it.

    Args:
        port: the port. None (the default): Inngest's own, 8288, when it is free, so
            that clients made before the block (at module level) reach the server; else
            a free one, with a ``DevServerPortWarning`` that says what that means. 0:
            any free port, said outright (no warning). A ``--port`` in ``args`` wins.
        args: more command-line flags, e.g. ``["--no-auto-run", "--clock", "virtual"]``.
        set_env: point ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` (and ``DEV_SERVER_PORT``,
            which the Python SDK's own test helpers read) at it, restoring them after.
        start_timeout: real seconds to wait for the server to answer.
    """
    args = list(args)
    if any(a == "--port" or a.startswith("--port=") for a in args):
        ports: list[int | None] = [None]  # the caller's own flag
    elif port is not None:
        ports = [port]
    else:
        ports = [DEFAULT_PORT, 0] if port_is_free(DEFAULT_PORT) else [0]
    with tempfile.TemporaryDirectory(prefix="inngest-sim-dev-") as folder:
        log_path = Path(folder) / "dev.log"
        process, output, url = _start(ports, args, log_path, start_timeout)
        try:
            if port is None and ports[0] is not None and not url.endswith(f":{DEFAULT_PORT}"):
                warnings.warn(DevServerPortWarning(url), stacklevel=3)
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
            _stop(process)
            output.close()


class DevServerPortWarning(UserWarning):
    """``dev_server()`` could not have Inngest's default port: earlier clients miss it."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"port {DEFAULT_PORT} (Inngest's default, where an Inngest client made before "
            f"dev_server() sends) is taken, so inngest-sim dev serves on {url}. "
            "INNGEST_BASE_URL points there now, but a client made earlier (e.g. at module "
            f"level) still sends to {DEFAULT_PORT}: make it inside the block, or use "
            "dev.inngest_client(app_id); pass port=0 to say any port is fine"
        )


def _start(
    ports: list[int | None], args: list[str], log: Path, timeout: float
) -> tuple[subprocess.Popen[bytes], _Output, str]:
    """The server started on the first of ``ports`` it can listen on, and its URL."""
    for index, port in enumerate(ports):
        command = [sys.executable, "-m", "inngest_sim", "dev", *args]
        if port is not None:
            command += ["--port", str(port)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output = _Output(process, log)
        try:
            return process, output, output.wait_until_serving(timeout)
        except SimError as exc:
            _stop(process)
            output.close()
            # Taken between the check and the start: the next port (any free one).
            if index + 1 == len(ports) or "cannot listen" not in str(exc):
                raise
    raise AssertionError("unreachable: the last port raises")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def port_is_free(port: int) -> bool:
    """Whether a server could listen on 127.0.0.1:``port`` now."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    finally:
        sock.close()
    return True


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
