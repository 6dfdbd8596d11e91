"""Cron triggers: scheduled runs on the simulator's clock, as the Inngest server fires them.

A function with ``TriggerCron(cron=...)`` gets a run at each instant of its schedule,
with the event the server's ``handleCron`` (``pkg/execution/executor/service.go``) sends:
``inngest/scheduled.timer``, its id the instant in RFC 3339 (``2026-01-01T00:05:00Z``),
its data ``cron``, ``scheduledAt`` and ``fireAt``, its ``ts`` ``fireAt``. With
``jitter`` the run is created at the instant and starts at ``fireAt``, a fixed draw in
[1 s, jitter) per instant, as ``cron.DeterministicJitter`` draws it from a hash of the job
(the server's hash takes the function's internal UUID, so the simulator hashes its seed,
the function id, the schedule and the instant instead).

Schedules are what the server accepts at sync (``.cron_syntax``): five fields with an
optional ``TZ=Area/City`` or ``CRON_TZ=`` prefix, UTC otherwise; descriptors such as
``@hourly``, a seconds field and a jitter over 5 minutes are refused with the server's
message. croniter computes the instants.

A schedule recurs forever, so if it were an ordinary timer ``Simulator.settle()``
("drive until nothing is left") would never return. Cron instants therefore fire
only inside ``CronSchedules.arm`` windows, which ``Simulator.advance(delta)``
opens: every instant in the window fires at its own virtual time, interleaved with
the other timers. ``settle``, ``wait`` and ``run`` fire none, and an instant they
move past is not fired later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from croniter import CroniterError, croniter

from inngest_sim._errors import InvalidArgument
from inngest_sim._flow.cron_syntax import robfig_problem
from inngest_sim._protocol import ProtocolError, parse_duration
from inngest_sim._server.events import SCHEDULED_EVENT

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["CronSchedule", "CronSchedules", "parse_cron"]
_TZ_PREFIX = re.compile(r"^(?:CRON_)?TZ=(\S+)\s+(.+)$")
# pkg/inngest/trigger.go MinCronJitter, MaxCronJitter
MIN_JITTER = 1.0
MAX_JITTER = 300.0


@dataclasses.dataclass(frozen=True, slots=True)
class CronSchedule:
    spec: FunctionSpec
    cron: str  # as registered, sent back in the event
    fields: str  # without the TZ= prefix
    zone: dt.tzinfo
    jitter: float

    def next_after(self, when: float) -> float:
        """The first instant of the schedule strictly after ``when`` (POSIX seconds)."""
        start = dt.datetime.fromtimestamp(when, tz=self.zone)
        return float(croniter(self.fields, start).get_next())


def parse_cron(spec: FunctionSpec, trigger: Mapping[str, Any]) -> CronSchedule:
    """A cron trigger of ``spec``; raises InvalidArgument where the server refuses it at sync."""
    cron = str(trigger.get("cron") or "").strip()
    where = f"function {spec.id!r} cron trigger"
    zone: dt.tzinfo = dt.UTC
    fields = cron
    prefix = _TZ_PREFIX.match(cron)
    if prefix:
        fields = prefix.group(2).strip()
        try:
            zone = zoneinfo.ZoneInfo(prefix.group(1))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidArgument(
                f"{where}: '{cron}' isn't a valid cron schedule (unknown time zone "
                f"{prefix.group(1)!r}); use an IANA name such as 'TZ=Europe/Paris 0 12 * * 5'"
            ) from exc
    problem = robfig_problem(fields)
    if problem is not None:
        raise InvalidArgument(
            f"{where}: '{cron}' isn't a valid cron schedule ({problem}); Inngest takes five "
            "fields (minute hour day-of-month month day-of-week), e.g. '0 * * * *' for @hourly"
        )
    schedule = CronSchedule(
        spec=spec, cron=cron, fields=fields, zone=zone, jitter=_jitter(trigger.get("jitter"), where)
    )
    try:
        schedule.next_after(0.0)
    except (CroniterError, ValueError, KeyError) as exc:
        raise InvalidArgument(f"{where}: '{cron}' isn't a valid cron schedule: {exc}") from exc
    return schedule


def _jitter(raw: Any, where: str) -> float:
    """trigger.go CronTrigger.Validate: 0, or 1 s to 5 m."""
    if raw is None or not str(raw).strip():
        return 0.0
    try:
        jitter = parse_duration(str(raw))
    except ProtocolError as exc:
        raise InvalidArgument(f"{where}: '{raw}' isn't a valid jitter duration ({exc})") from exc
    if 0 < jitter < MIN_JITTER:
        raise InvalidArgument(f"{where}: cron jitter must be at least 1s (got {raw!r})")
    if jitter > MAX_JITTER:
        raise InvalidArgument(
            f"{where}: cron jitter must be less than or equal to 5m0s (got {raw!r})"
        )
    return jitter


class CronSchedules:
    """Every cron trigger of an app, fired while ``advance`` moves virtual time."""

    def __init__(
        self,
        registry: Registry,
        *,
        seed: int,
        schedule: Callable[[RunOps, FunctionSpec, dict[str, Any]], object],
    ) -> None:
        self.schedules = tuple(
            parse_cron(spec, trigger)
            for spec in registry
            for trigger in spec.config.get("triggers") or []
            if trigger.get("cron")
        )
        self._schedule = schedule
        self._armed_until: float | None = None
        self._seed = seed

    def arm(self, ops: RunOps, until: float) -> None:
        """Fire every schedule instant in (now, ``until``] when time gets there."""
        now = ops.clock.now()
        if until <= now:
            return
        start = now if self._armed_until is None else max(self._armed_until, now)
        self._armed_until = until if self._armed_until is None else max(self._armed_until, until)
        for schedule in self.schedules:
            self._arm_next(ops, schedule, start, until)

    def _arm_next(self, ops: RunOps, schedule: CronSchedule, after: float, until: float) -> None:
        # One timer at a time: a window of a year over a per-minute schedule must
        # not put half a million timers in the heap up front.
        at = schedule.next_after(after)
        if at > until:
            return

        def fire() -> None:
            self._fire(ops, schedule, at)
            self._arm_next(ops, schedule, at, until)

        ops.scheduler.call_at(at, fire)

    def _fire(self, ops: RunOps, schedule: CronSchedule, at: float) -> None:
        fire_at = at + self._jitter(schedule, at)
        event = {
            "name": SCHEDULED_EVENT,
            "id": _rfc3339(at),
            "ts": int(fire_at * 1000),
            "data": {
                "cron": schedule.cron,
                "scheduledAt": _rfc3339(at),
                "fireAt": _rfc3339(fire_at),
            },
            "user": {},
        }
        # The run is created now; its ts in the future holds its start until fireAt.
        self._schedule(ops, schedule.spec, event)

    def _jitter(self, schedule: CronSchedule, at: float) -> float:
        """cron.DeterministicJitter: min + hash(job) % (max - min), in nanoseconds."""
        if not schedule.jitter:
            return 0.0
        job = f"{self._seed}:{schedule.spec.id}:{schedule.cron}:{int(at * 1000)}"
        digest = int.from_bytes(hashlib.blake2b(job.encode(), digest_size=8).digest(), "big")
        span = round((schedule.jitter - MIN_JITTER) * 1e9)
        return MIN_JITTER + (digest % span) / 1e9 if span > 0 else MIN_JITTER


def _rfc3339(when: float) -> str:
    """Go's time.RFC3339 of a UTC instant, whole seconds: ``2026-01-01T00:05:00Z``."""
    return dt.datetime.fromtimestamp(int(when), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
