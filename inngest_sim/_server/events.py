"""Events as the Inngest server makes and checks them: envelopes, names, limits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._protocol import json_size
from inngest_sim._server.door import as_float64, out_of_range

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._ids import IdSource
    from inngest_sim._limits import Limits
    from inngest_sim._server.registry import FunctionSpec

__all__ = [
    "INVOKED_EVENT",
    "LIFECYCLE_PREFIXES",
    "SCHEDULED_EVENT",
    "check_event",
    "check_events",
    "check_inbound",
    "default_event",
    "make_event",
    "normalise_event",
    "strip_internal",
]

INVOKED_EVENT = "inngest/function.invoked"
SCHEDULED_EVENT = "inngest/scheduled.timer"
RESERVED_PREFIX = "inngest/"  # pkg/event/event.go InternalNamePrefix
# finalize.go skips these two ("Don't recursively trigger internal finish handlers"); a run
# triggered by inngest/function.cancelled emits its own lifecycle events.
LIFECYCLE_PREFIXES = (
    "inngest/function.finished",
    "inngest/function.failed",
)


def make_event(
    name: str, data: Mapping[str, Any], ids: IdSource, now: float, event_id: str | None = None
) -> dict[str, Any]:
    """A server-made event: ``event_id`` or a fresh one, and the current time (milliseconds)."""
    return {
        "name": name,
        "data": dict(data),
        "id": event_id or ids.ulid(now),
        "ts": int(now * 1000),
        "user": {},
    }


def normalise_event(event: Mapping[str, Any], ids: IdSource, now: float) -> dict[str, Any]:
    """An incoming event as the server stores it: ``data``, ``id``, ``ts`` and ``user`` filled,
    their numbers float64s (``door.as_float64``)."""
    out = dict(event)
    out["data"] = {} if out.get("data") is None else as_float64(out["data"])
    if isinstance(out.get("user"), dict):
        out["user"] = as_float64(out["user"])
    if not out.get("id"):
        out["id"] = ids.ulid(now)
    if not out.get("ts"):
        out["ts"] = int(now * 1000)
    out.setdefault("user", {})
    return out


def check_events(events: list[Any], limits: Limits) -> str | None:
    """Inngest's ingest checks; returns the error it would give, or None."""
    if len(events) > limits.max_events_per_send:
        return f"Cannot have more than {limits.max_events_per_send} events in a batch"
    for position, event in enumerate(events):
        problem = check_event(event, position, limits)
        if problem:
            return problem
    return None


def check_event(event: Any, position: int, limits: Limits) -> str | None:
    """What is wrong with the ``position``-th event of a send, or None."""
    if not isinstance(event, dict):
        return f"event #{position} is {type(event).__name__}, expected an object"
    name = event.get("name")
    if not isinstance(name, str) or not name:
        return f"event #{position} has no name; every event needs a 'name' string"
    beyond = _number_problem(event)
    if beyond:
        return beyond
    size = json_size(event)
    if size > limits.max_event_bytes:
        return (
            f"Event is over the max size: Max {limits.max_event_bytes} bytes / "
            f"Size {size} bytes (event {name!r})"
        )
    data = event.get("data")
    if data is not None and not isinstance(data, dict):
        return f"event {name!r}: data must be an object, got {type(data).__name__}"
    return _envelope_problem(event, name)


# Go's Event API reads each event of a send into its ``raw`` struct (pkg/api/api.go):
# ``data`` and ``user`` maps of float64 numbers, ``ts`` an int64; a number those cannot
# hold refuses that event (and the rest of the send) with encoding/json's own message.
_NUMBER_FIELDS = (("data", "float64"), ("user", "float64"), ("ts", "int64"))


def _number_problem(event: Mapping[str, Any]) -> str | None:
    for field, go_type in _NUMBER_FIELDS:
        text = out_of_range(event.get(field))
        if text is not None:
            return (
                f"json: cannot unmarshal number {text} into Go struct field raw.{field} of "
                f"type {go_type} (event {event['name']!r}: a JSON number must fit a 64-bit "
                "float, as the Inngest server reads it; send a larger number as a string)"
            )
    return None


# Go's event.Event (pkg/event/event.go): ``id`` and ``v`` are strings, ``user`` an
# object, ``ts`` an int64 of milliseconds that Validate keeps within 1980 to 2100.
_TS_RANGE = (315_532_800_000, 4_102_444_800_000)  # 1980-01-01, 2100-01-01 (UTC, ms)
_TYPED = (("id", str, "a string"), ("v", str, "a string"), ("user", dict, "an object"))


def _envelope_problem(event: Mapping[str, Any], name: str) -> str | None:
    for field, kind, described in _TYPED:
        value = event.get(field)
        if value is not None and not isinstance(value, kind):
            return f"event {name!r}: {field} must be {described}, got {type(value).__name__}"
    ts = event.get("ts")
    if ts is None:
        return None
    if not isinstance(ts, int) or isinstance(ts, bool):
        return (
            f"event {name!r}: ts must be whole milliseconds since 1970 (an integer), "
            f"got {type(ts).__name__} {str(ts)[:40]}"
        )
    if ts and not _TS_RANGE[0] <= ts < _TS_RANGE[1]:
        return (
            f"event {name!r}: ts {ts} is outside Jan 1, 1980 to Jan 1, 2100 (milliseconds "
            "since 1970, as the server checks); leave ts out to take the time of receipt"
        )
    return None


def check_inbound(event: Any, position: int, limits: Limits) -> str | None:
    """What the Event API refuses in a sent event (``check_event``, and Inngest's reserved
    names), or None.

    ``pkg/event/inbound.go`` NormalizeInbound: a name starting ``inngest/`` in any case is
    ``ErrInternalEventName``, which ``pkg/api/api.go`` answers with a 400 and this text.
    """
    problem = check_event(event, position, limits)
    if problem is None and str(event["name"]).lower().startswith(RESERVED_PREFIX):
        return f"event name is reserved for internal use: {event['name']}"
    return problem


def strip_internal(event: dict[str, Any]) -> dict[str, Any]:
    """A sent event as the Event API keeps it: without ``data._inngest`` (inbound.go
    NormalizeInbound deletes it, so a sender cannot forge the server's own metadata)."""
    data = event.get("data")
    if isinstance(data, dict) and "_inngest" in data:
        return {**event, "data": {k: v for k, v in data.items() if k != "_inngest"}}
    return event


def default_event(spec: FunctionSpec, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The event ``sim.run(fn, data)`` sends: the function's first fixed event name."""
    name = next((t.event for t in spec.triggers if t.event and not t.event.endswith("*")), None)
    return {"name": name or INVOKED_EVENT, "data": dict(data or {})}
