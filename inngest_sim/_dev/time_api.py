"""Time over HTTP: hold, advance and advance-to on the dev server's virtual clock.

The same semantics as the in-process ``sim.hold_time()`` / ``sim.advance()`` /
``sim.advance_to()``: holding stops virtual time from jumping to the next timer when
nothing else can run; advancing moves it forward, running everything due on the way
(a wait's timeout, a sleep's end, a retry), and answers once time is there. A test can
then send the event a two-day wait is for, and let a three-day sleep pass, in
milliseconds.

Refused, with a message saying why: anything on a real clock (it cannot be held or
moved), time going backwards, and moving it while a request to an app is in flight or
another advance is under way (requests take no virtual time, so time moves only
between them; ``GET /sim/idle`` answers once none is in flight).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from inngest_sim._clock import VirtualClock
from inngest_sim._dev.bodies import Problem, problem_response, read_object, seconds_param
from inngest_sim._protocol import ProtocolError, parse_duration, parse_iso_time

if TYPE_CHECKING:
    from starlette.requests import Request

    from inngest_sim._clock import Clock
    from inngest_sim._engine import Scheduler

__all__ = ["TimeControl", "time_routes"]

# The last instant a datetime can show (9999-12-31T23:59:59Z): times past it have no ISO form.
_LATEST = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp()
# How often a wait for idleness looks again when no driver said so (a real clock's
# driver sleeps through its timers without returning).
_RECHECK = 0.05
MAX_IDLE_WAIT = 600.0


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat().replace("+00:00", "Z")


def _noop() -> None:
    return None


class TimeControl:
    """The clock of one dev server, as its time endpoints move it."""

    def __init__(self, clock: Clock, scheduler: Scheduler, *, held: bool = False) -> None:
        self.clock = clock
        self.scheduler = scheduler
        self._advancing = False
        self._idle_waiters: list[asyncio.Future[None]] = []
        if held:
            self._virtual("hold").autojump = False

    @property
    def held(self) -> bool:
        return isinstance(self.clock, VirtualClock) and not self.clock.autojump

    def _virtual(self, action: str) -> VirtualClock:
        if not isinstance(self.clock, VirtualClock):
            raise Problem(
                409,
                f"cannot {action} time: this dev server runs on the real clock; start it with "
                "--clock virtual to hold and move time",
            )
        return self.clock

    # ------------------------------------------------------------- reading
    def is_idle(self) -> bool:
        """No request in flight, and nothing due that time will reach by itself now."""
        if self.scheduler.in_flight:
            return False
        due = self.scheduler.next_due()
        if due is None:
            return True
        jumps = isinstance(self.clock, VirtualClock) and self.clock.autojump
        return not jumps and due > self.clock.now()

    def status(self) -> dict[str, Any]:
        due = self.scheduler.next_due()
        return {
            "clock": "virtual" if isinstance(self.clock, VirtualClock) else "real",
            "now": _iso(self.clock.now()),
            "held": self.held,
            "in_flight": self.scheduler.in_flight,
            "next_timer": _iso(due) if due is not None and due <= _LATEST else None,
            "idle": self.is_idle(),
        }

    # -------------------------------------------------------------- moving
    def hold(self) -> dict[str, Any]:
        self._virtual("hold").autojump = False
        return self.status()

    def release(self) -> dict[str, Any]:
        self._virtual("release").autojump = True
        self.scheduler.call_soon(_noop)  # wake the drive loop: it may jump again
        return self.status()

    async def advance(self, seconds: float) -> dict[str, Any]:
        """Move time forward by ``seconds``, running everything due on the way."""
        clock = self._virtual("advance")
        return await self._move(clock, clock.now() + seconds)

    async def advance_to(self, when: float) -> dict[str, Any]:
        clock = self._virtual("advance")
        now = clock.now()
        if when < now - 1e-6:  # a microsecond: what a datetime can tell apart
            raise Problem(
                409,
                f"{_iso(when)} is {dt.timedelta(seconds=round(now - when, 6))} before the "
                f"server's now ({_iso(now)}): time can't go backwards",
            )
        return await self._move(clock, max(when, now))

    async def _move(self, clock: VirtualClock, until: float) -> dict[str, Any]:
        if until > _LATEST:
            raise Problem(400, f"that would move time past {_iso(_LATEST)}, the latest time")
        if self._advancing:
            raise Problem(
                409, "another advance is under way: wait for its answer, then advance again"
            )
        if self.scheduler.in_flight:
            raise Problem(
                409,
                f"{self.scheduler.in_flight} request(s) to apps are in flight; time moves only "
                "when none is (requests take no virtual time, as in-process): wait with "
                "GET /sim/idle?timeout=S, then advance",
            )
        start = clock.now()
        self._advancing = True
        try:
            await self.scheduler.drive(lambda: False, until=until)
        finally:
            self._advancing = False
        return {**self.status(), "from": _iso(start)}

    # ------------------------------------------------------------ idleness
    def drive_returned(self) -> None:
        """The server's drive loop has nothing to do: whoever waits for idleness looks."""
        waiters, self._idle_waiters = self._idle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_idle(self, timeout: float) -> bool:
        """Until ``is_idle()`` (at most ``timeout`` real seconds); whether it is."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.is_idle():
            left = deadline - loop.time()
            if left <= 0:
                return False
            waiter = loop.create_future()
            self._idle_waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter, min(left, _RECHECK))
            except TimeoutError:
                if waiter in self._idle_waiters:
                    self._idle_waiters.remove(waiter)
        return True


def _advance_seconds(body: dict[str, Any]) -> float:
    if ("seconds" in body) == ("duration" in body):
        raise Problem(
            400,
            'give one of "seconds" (a number, e.g. 259200) or "duration" (e.g. "3d", "1h30m")',
        )
    if "duration" in body:
        text = body["duration"]
        if not isinstance(text, str):
            raise Problem(400, f'"duration" must be a string such as "3d", not {text!r}')
        try:
            return parse_duration(text)
        except ProtocolError as exc:
            raise Problem(400, f'"duration": {exc}') from None
    seconds = body["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise Problem(400, f'"seconds" must be a number, not {seconds!r}')
    if not math.isfinite(seconds) or seconds < 0:
        raise Problem(
            409 if seconds < 0 else 400,
            f'"seconds": {seconds!r}; give a finite number of at least 0 (time can\'t go '
            "backwards)",
        )
    return float(seconds)


def time_routes(time: TimeControl) -> list[Route]:
    """``/sim/time`` (read, hold, release, advance, advance-to) and ``/sim/idle``."""

    async def answer(request: Request, action: Any) -> JSONResponse:
        try:
            return JSONResponse(await action(request))
        except Problem as problem:
            return problem_response(problem)

    async def read(request: Request) -> dict[str, Any]:
        return time.status()

    async def hold(request: Request) -> dict[str, Any]:
        await read_object(request, keys=())
        return time.hold()

    async def release(request: Request) -> dict[str, Any]:
        return time.release()

    async def advance(request: Request) -> dict[str, Any]:
        body = await read_object(request, keys=("seconds", "duration"))
        return await time.advance(_advance_seconds(body))

    async def advance_to(request: Request) -> dict[str, Any]:
        body = await read_object(request, keys=("time",))
        text = body.get("time")
        if not isinstance(text, str):
            raise Problem(400, 'give "time": an ISO-8601 time such as "2026-01-04T09:00:00Z"')
        try:
            when = parse_iso_time(text)
        except ProtocolError as exc:
            raise Problem(400, f'"time": {exc}') from None
        return await time.advance_to(when)

    async def idle(request: Request) -> dict[str, Any]:
        timeout = seconds_param(request, "timeout", 30.0, MAX_IDLE_WAIT)
        await time.wait_idle(timeout)
        return time.status()

    def route(path: str, action: Any, method: str) -> Route:
        async def endpoint(request: Request) -> JSONResponse:
            return await answer(request, action)

        return Route(path, endpoint, methods=[method])

    return [
        route("/sim/time", read, "GET"),
        route("/sim/time/hold", hold, "POST"),
        route("/sim/time/hold", release, "DELETE"),
        route("/sim/time/advance", advance, "POST"),
        route("/sim/time/advance-to", advance_to, "POST"),
        route("/sim/idle", idle, "GET"),
    ]
