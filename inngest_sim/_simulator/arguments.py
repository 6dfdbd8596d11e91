"""The simulator's arguments, checked where they come in (constructor and methods)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import EventRejected, InvalidArgument
from inngest_sim._server.events import check_events, check_inbound, strip_internal
from inngest_sim._validation import (
    check_bool,
    check_datetime,
    check_int,
    check_json,
    check_mapping,
    check_number,
    check_str,
    given,
)

if TYPE_CHECKING:
    from inngest_sim._limits import Limits

__all__ = ["check_constructor", "events_to_send", "run_events"]


def _instance(name: str, value: Any, cls: type, example: str) -> None:
    if value is not None and not isinstance(value, cls):
        raise InvalidArgument(f"{given(name, value)}: expected a {cls.__name__}, e.g. {example}")


def check_constructor(
    *,
    accelerate: Any,
    ai_client: Any,
    backend: Any,
    backoff: Any,
    checkpointing: Any,
    client: Any,
    clock: Any,
    completion_order: Any,
    fail_on_assertion: Any,
    fetch_client: Any,
    faults: Any,
    freeze_gc: Any,
    freeze_time: Any,
    functions: Any,
    limits: Any,
    max_requests_per_run: Any,
    request_latency: Any,
    request_timeout: Any,
    seed: Any,
    signing_key: Any,
    start: Any,
) -> None:
    """Refuse a wrong-typed, out-of-range or conflicting ``Simulator(...)`` argument, naming it.

    Every argument by keyword, so a renamed parameter fails the type check, not a test.
    """
    import httpx
    import inngest

    from inngest_sim._limits import Limits
    from inngest_sim._retry import Backoff
    from inngest_sim.faults import FaultPlan

    if client is not None and not isinstance(client, inngest.Inngest):
        raise InvalidArgument(
            f"{given('client', client)}: expected the inngest.Inngest client the functions "
            "belong to, e.g. inngest.Inngest(app_id='my-app', is_production=False)"
        )
    if (
        client is not None
        and backend is None
        and getattr(client, "is_production", False)
        and not getattr(client, "signing_key", None)
    ):
        raise InvalidArgument(
            f"client {getattr(client, 'app_id', '?')!r} is in production mode but has no "
            "signing key, so the SDK cannot serve its functions: for tests, use dev mode "
            "(inngest.Inngest(..., is_production=False) or INNGEST_DEV=1), or give the client "
            "signing_key=... (the simulator then signs its requests with it)"
        )
    if isinstance(functions, str | bytes) or not isinstance(functions, Iterable):
        raise InvalidArgument(
            f"{given('functions', functions)}: expected a list of inngest.Function, e.g. [my_fn]"
        )
    for position, fn in enumerate(functions):
        if not isinstance(fn, inngest.Function):
            raise InvalidArgument(
                f"{given(f'functions[{position}]', fn)}: expected an inngest.Function "
                "(the object @client.create_function returns)"
            )
    _instance("limits", limits, Limits, "Limits(max_steps=10)")
    _instance("backoff", backoff, Backoff, "Backoff(jitter=0)")
    _instance("faults", faults, FaultPlan, "FaultPlan().transient(step='a')")
    _instance("ai_client", ai_client, httpx.AsyncClient, "httpx.AsyncClient()")
    _instance("fetch_client", fetch_client, httpx.AsyncClient, "httpx.AsyncClient()")
    check_int("seed", seed)
    check_bool("freeze_time", freeze_time)
    check_bool("fail_on_assertion", fail_on_assertion)
    check_bool("freeze_gc", freeze_gc)
    if accelerate is not None:
        check_bool("accelerate", accelerate)
    check_bool("checkpointing", checkpointing)
    if start is not None:
        check_datetime("start", start)
    if clock is not None and not all(
        hasattr(clock, a) for a in ("now", "reach", "is_virtual", "held")
    ):
        raise InvalidArgument(
            f"{given('clock', clock)}: expected a clock, VirtualClock() or RealClock()"
        )
    latency = request_latency
    if not callable(latency):
        check_number(
            "request_latency",
            latency,
            minimum=0,
            fix="virtual seconds per request, or a callable (function_id, step_id) -> seconds",
        )
    check_number(
        "request_timeout",
        request_timeout,
        minimum=0,
        exclusive_minimum=True,
        fix="real seconds to wait for one SDK request, e.g. 30",
    )
    check_int(
        "max_requests_per_run",
        max_requests_per_run,
        minimum=1,
        fix="the most SDK requests one run may make, e.g. 20000",
    )
    if signing_key is not None:
        check_str("signing_key", signing_key, fix="a key such as 'signkey-prod-...'")
    if backend is not None and not all(hasattr(backend, a) for a in ("open", "api_port")):
        raise InvalidArgument(
            f"{given('backend', backend)}: expected a backend such as "
            "InProcessBackend(), AppBackend(app) or HttpBackend(url)"
        )
    if clock is not None and start is not None:
        raise InvalidArgument("pass either clock= or start=, not both")
    if completion_order is not None and request_latency:
        raise InvalidArgument(
            "pass either request_latency= or completion_order=, not both: "
            "completion_order works by giving requests a latency"
        )


def _is_sdk_event(value: Any) -> bool:
    import inngest

    return isinstance(value, inngest.Event)


def _sdk_event(name: str, value: Any) -> dict[str, Any]:
    """An ``inngest.Event`` as the SDK's ``client.send`` puts it on the wire: ``to_dict()``,
    without the empty id and the zero ts it fills in (the Event API stamps them)."""
    raw = value.to_dict()
    if isinstance(raw, Exception):
        raise InvalidArgument(f"{given(name, value)}: the SDK cannot serialise it ({raw})")
    event = dict(raw)
    if event.get("id") == "":
        del event["id"]
    if event.get("ts") == 0:
        del event["ts"]
    return event


def _event(name: str, value: Any) -> dict[str, Any]:
    """An event: a dict (or the SDK's ``inngest.Event``) that travels as JSON (what Inngest
    would refuse is checked later, the same way for every entry point)."""
    if _is_sdk_event(value):
        value = _sdk_event(name, value)
    event = dict(check_mapping(name, value, fix="an event such as {'name': 'app/thing.done'}"))
    check_json(name, event)
    return event


def _accepted(events: list[dict[str, Any]], limits: Limits) -> list[dict[str, Any]]:
    """Inngest's own limits (size, count): an ``EventRejected`` as the Event API gives."""
    problem = check_events(events, limits)
    if problem:
        raise EventRejected(problem)
    return events


def run_events(
    data: Any, event: Any, events: Any, limits: Limits, default: Any
) -> list[dict[str, Any]]:
    """The events ``sim.run`` starts a run with, checked as ``sim.send`` checks them."""
    given_count = sum(x is not None for x in (data, event, events))
    if given_count > 1:
        raise InvalidArgument(
            "pass one of data=, event= or events= to sim.run(), not several: data= fills "
            "the default event, event= and events= replace it"
        )
    if events is not None:
        if isinstance(events, Mapping | str | bytes) or not isinstance(events, Sequence):
            raise InvalidArgument(f"{given('events', events)}: expected a list of events (a batch)")
        if not events:
            raise InvalidArgument("events=[] is empty; a batch run needs at least one event")
        return _accepted([_event(f"events[{i}]", e) for i, e in enumerate(events)], limits)
    if event is not None:
        return _accepted([_event("event", event)], limits)
    if data is not None:
        check_mapping("data", data, fix="the event's data as a dict, e.g. {'id': 1}")
        check_json("data", data)
    return _accepted([_event("event", default(data))], limits)


def events_to_send(events: Any, limits: Limits) -> list[dict[str, Any]]:
    """What ``sim.send`` sends: one event or a list, each checked as the Event API checks
    it (reserved ``inngest/`` names refused) and kept as it keeps it (no ``data._inngest``)."""
    if isinstance(events, Mapping) or _is_sdk_event(events):
        batch = _accepted([_event("events", events)], limits)
    elif events is None or isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise InvalidArgument(
            f"{given('events', events)}: expected an event (a dict with a 'name') or a list of them"
        )
    else:
        batch = _accepted([_event(f"events[{i}]", e) for i, e in enumerate(events)], limits)
    for position, event in enumerate(batch):
        problem = check_inbound(event, position, limits)
        if problem:
            raise EventRejected(
                f"{problem}; names starting 'inngest/' are Inngest's own. To test a handler "
                "of one, start it with sim.run(fn, event={...})"
            )
    return [strip_internal(event) for event in batch]
