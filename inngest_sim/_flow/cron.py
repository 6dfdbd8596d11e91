"""Cron triggers: scheduled runs on the simulator's clock.

A function with ``TriggerCron(cron=...)`` gets a run, with the event
``{"name": "inngest/scheduled.timer", "data": {"cron": <cron>}}``, at each instant
of its schedule. Schedules are standard 5-field cron (UTC), 6 fields with seconds
first, ``@hourly``-style descriptors, and an optional ``TZ=Area/City`` prefix, as
Inngest accepts them; parsing is croniter's.

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
import random
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from croniter import CroniterError, croniter

from inngest_sim._errors import InvalidArgument
from inngest_sim._protocol import ProtocolError, parse_duration
from inngest_sim._server.events import SCHEDULED_EVENT, make_event

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._engine.ports import RunOps
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["CronSchedule", "CronSchedules", "parse_cron"]
_TZ_PREFIX = re.compile(r"^(?:CRON_)?TZ=(\S+)\s+(.+)$")


@dataclasses.dataclass(frozen=True, slots=True)
class CronSchedule:
    spec: FunctionSpec
    cron: str  # as registered, sent back in the event
    fields: str  # without the TZ= prefix
    zone: dt.tzinfo
    jitter: float
    seconds_first: bool

    def next_after(self, when: float) -> float:
        """The first instant of the schedule strictly after ``when`` (POSIX seconds)."""
        start = dt.datetime.fromtimestamp(when, tz=self.zone)
        return float(
            croniter(self.fields, start, second_at_beginning=self.seconds_first).get_next()
        )


def parse_cron(spec: FunctionSpec, trigger: Mapping[str, Any]) -> CronSchedule:
    """A cron trigger of ``spec``; raises InvalidArgument when Inngest would reject it."""
    cron = str(trigger.get("cron") or "").strip()
    where = f"function {spec.id!r} cron trigger {cron!r}"
    zone: dt.tzinfo = dt.UTC
    fields = cron
    prefix = _TZ_PREFIX.match(cron)
    if prefix:
        fields = prefix.group(2).strip()
        try:
            zone = zoneinfo.ZoneInfo(prefix.group(1))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidArgument(
                f"{where}: unknown time zone {prefix.group(1)!r}; use an IANA name such as "
                "'TZ=Europe/Paris 0 12 * * 5'"
            ) from exc
    count = len(fields.split())
    if not fields.startswith("@") and count not in (5, 6):
        raise InvalidArgument(
            f"{where}: has {count} fields; use 5 (minute hour day-of-month month day-of-week) "
            "or 6 with seconds first, e.g. '*/5 * * * *'"
        )
    schedule = CronSchedule(
        spec=spec,
        cron=cron,
        fields=fields,
        zone=zone,
        jitter=_jitter(trigger.get("jitter"), where),
        seconds_first=count == 6,
    )
    try:
        schedule.next_after(0.0)
    except (CroniterError, ValueError, KeyError) as exc:
        raise InvalidArgument(f"{where}: not a valid cron schedule: {exc}") from exc
    return schedule


def _jitter(raw: Any, where: str) -> float:
    if raw in (None, ""):
        return 0.0
    try:
        return parse_duration(str(raw))
    except ProtocolError as exc:
        raise InvalidArgument(f"{where}: jitter: {exc}") from exc


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
        self._jitter = random.Random(f"cron-jitter-{seed}")

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
        delay = self._jitter.uniform(0.0, schedule.jitter) if schedule.jitter else 0.0

        def start() -> None:
            event = make_event(SCHEDULED_EVENT, {"cron": schedule.cron}, ops.ids, ops.clock.now())
            self._schedule(ops, schedule.spec, event)

        if delay:
            ops.scheduler.call_at(at + delay, start)
        else:
            start()
