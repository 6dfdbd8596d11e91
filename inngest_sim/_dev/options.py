"""What ``inngest-sim dev`` is started with, checked once."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
from typing import Literal

from inngest_sim._errors import InvalidArgument
from inngest_sim._limits import Limits
from inngest_sim._protocol import ProtocolError, parse_iso_time
from inngest_sim._retry import Backoff

__all__ = ["DEFAULT_PORT", "DevOptions"]

DEFAULT_PORT = 8288  # the Inngest dev server's


@dataclasses.dataclass(frozen=True, slots=True)
class DevOptions:
    """``inngest-sim dev``'s settings (the command's flags, one for one).

    Args:
        port: the loopback port to serve on (0 picks a free one).
        urls: serve URLs of apps to sync at start (``-u``).
        clock: ``real`` (sleeps and timeouts take real time) or ``virtual`` (time jumps
            to the next timer whenever no request is in flight).
        start: where virtual time starts (an ISO time; default: now).
        hold_time: start with virtual time held: it moves only when a test advances it
            (``POST /sim/time/advance``), as inside the in-process ``sim.hold_time()``.
        seed: seeds run ids, event ids and backoff jitter.
        auto_run: False holds every run an event triggers until a test drains the queue.
        retry_delay: seconds between retries instead of Inngest's backoff table
            (15 s, 30 s, 1 min...): a shorter schedule for tests. None keeps the table.
        checkpointing: send ``ctx.fn_id``/``ctx.qi_id`` so TypeScript v4 apps checkpoint.
        request_timeout: real seconds to wait for one SDK request (from when it is sent:
            the wait for one of ``max_in_flight`` slots does not count).
        max_in_flight: at most this many requests to apps at once; more wait their turn.
        keep_runs: keep the newest this many finished runs (and forget older ones, with
            the events and API calls before them); None keeps all.
        keep_events: keep at most the newest this many records of no run (events, API
            calls, realtime messages, signals, skipped-run decisions); None: ten times
            ``keep_runs`` with it, else all.
        max_running: while this many runs are running, the Event API answers 429 with
            ``Retry-After`` and takes nothing.
        limits: the platform limits (Inngest's by default).
        allowed_hosts: host names besides loopback's that requests may name (``Host``,
            ``Origin``); see the guard in ``_dev/guard.py``.
        allow_remote_apps: call apps on other machines (by default, loopback only).
        host: the IPv4 address to listen on: loopback by default; ``0.0.0.0`` inside a
            container, whose published port is the only way in.
        allow_app_moves: let an app synced from one URL sync from another.
    """

    port: int = DEFAULT_PORT
    urls: tuple[str, ...] = ()
    clock: Literal["real", "virtual"] = "real"
    start: str | None = None
    hold_time: bool = False
    seed: int = 0
    auto_run: bool = True
    retry_delay: float | None = None
    checkpointing: bool = True
    request_timeout: float = 30.0
    max_in_flight: int = 64
    max_running: int = 10_000
    keep_runs: int | None = None
    keep_events: int | None = None
    limits: Limits = dataclasses.field(default_factory=Limits)
    allowed_hosts: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    allow_remote_apps: bool = False
    allow_app_moves: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise InvalidArgument(f"port={self.port!r}: a TCP port is 0 (any free one) to 65535")
        if self.clock not in ("real", "virtual"):
            raise InvalidArgument(f"clock={self.clock!r}: choose 'real' or 'virtual'")
        if self.start is not None:
            if self.clock != "virtual":
                raise InvalidArgument("--start sets where virtual time starts: add --clock virtual")
            try:
                parse_iso_time(self.start)
            except ProtocolError as exc:
                raise InvalidArgument(f"--start {self.start!r}: {exc}") from None
        if self.hold_time and self.clock != "virtual":
            raise InvalidArgument("--hold-time holds virtual time: add --clock virtual")
        for url in self.urls:
            if not url.startswith(("http://", "https://")):
                raise InvalidArgument(
                    f"-u {url!r}: an app's serve URL starts with http:// or https://, "
                    "e.g. http://127.0.0.1:3000/api/inngest"
                )
        try:
            listen = ipaddress.ip_address(self.host)
        except ValueError:
            listen = None
        if listen is None or listen.version != 4:
            raise InvalidArgument(
                f"--host {self.host!r}: give an IPv4 address to listen on, 127.0.0.1 (the "
                "default) or 0.0.0.0 in a container"
            )
        for host in self.allowed_hosts:
            if not host or any(c in host for c in "/:@ "):
                raise InvalidArgument(
                    f"--allow-host {host!r}: give a bare host name, e.g. my-laptop.local"
                )
        for name in ("retry_delay", "request_timeout"):
            value = getattr(self, name)
            if value is None and name == "retry_delay":
                continue
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise InvalidArgument(f"{name}={value!r}: give finite seconds >= 0")
        if not isinstance(self.max_in_flight, int) or not 1 <= self.max_in_flight <= 10_000:
            raise InvalidArgument(
                f"max_in_flight={self.max_in_flight!r}: give a whole number of requests, 1 to "
                "10000 (64 by default)"
            )
        if self.keep_runs is not None and (
            not isinstance(self.keep_runs, int) or self.keep_runs < 1
        ):
            raise InvalidArgument(
                f"keep_runs={self.keep_runs!r}: give a whole number of finished runs >= 1 "
                "to keep (or leave it out to keep every run)"
            )
        if self.keep_events is not None and (
            not isinstance(self.keep_events, int) or self.keep_events < 1
        ):
            raise InvalidArgument(
                f"keep_events={self.keep_events!r}: give a whole number of events >= 1 to "
                "keep (or leave it out: ten times keep_runs, or every event without it)"
            )
        if not isinstance(self.max_running, int) or self.max_running < 1:
            raise InvalidArgument(
                f"max_running={self.max_running!r}: give a whole number of runs >= 1 "
                "(10000 by default)"
            )
        if self.request_timeout <= 0:
            raise InvalidArgument("request_timeout must be more than 0 seconds")

    @property
    def start_seconds(self) -> float | None:
        return parse_iso_time(self.start) if self.start is not None else None

    @property
    def backoff(self) -> Backoff:
        if self.retry_delay is None:
            return Backoff()
        return Backoff(table=(float(self.retry_delay),), jitter=0.0)
