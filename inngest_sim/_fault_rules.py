"""Fault rules as short strings, for the command line: ``KIND[:TARGET][:key=value,...]``.

Examples::

    transient:image-1-*:first=2       the step body raises ConnectionError, twice
    non_retriable:image-0-0           NonRetriableError (the run fails)
    retry_after:music:seconds=30      RetryAfterError(30 s), once
    lost:image-3-0:attempts=0         the step runs, its response is lost
    status:video-*:code=502           a proxy answers 502 before the SDK sees the request
    connect_error:*  /  timeout:*     the request never reaches the SDK
    api_error:events:status=503       the Event API answers 503 to the SDK
    api_timeout:publish               realtime publish times out

Options: ``first=N``, ``attempts=0|1``, ``function=GLOB``, ``seconds=N``,
``code=N``, ``status=N``, ``message=TEXT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import inngest

from inngest_sim._errors import InvalidArgument
from inngest_sim._faults import FaultPlan, FaultRule

__all__ = ["KINDS", "parse_fault_rules"]


def _pattern(options: dict[str, str]) -> dict[str, Any]:
    pattern: dict[str, Any] = {}
    if "first" in options:
        pattern["first"] = _int(options, "first")
    if "attempts" in options:
        pattern["attempts"] = [int(a) for a in options["attempts"].split("|")]
    if "function" in options:
        pattern["function"] = options["function"]
    return pattern


def _int(options: dict[str, str], key: str, default: int | None = None) -> int:
    raw = options.get(key)
    if raw is None:
        if default is None:
            raise InvalidArgument(f"option {key}= is required")
        return default
    if not raw.isdigit():
        raise InvalidArgument(f"option {key}={raw!r} must be a whole number")
    return int(raw)


def _message(options: dict[str, str], default: str) -> str:
    return options.get("message", default)


_Builder = Callable[[FaultPlan, str, dict[str, str]], FaultRule]

KINDS: dict[str, _Builder] = {
    "transient": lambda plan, target, o: plan.raises(
        ConnectionError(_message(o, "provider unavailable (injected)")), step=target, **_pattern(o)
    ),
    "non_retriable": lambda plan, target, o: plan.raises(
        inngest.NonRetriableError(_message(o, "refused (injected)")), step=target, **_pattern(o)
    ),
    "retry_after": lambda plan, target, o: plan.retry_after(
        _int(o, "seconds", 60),
        step=target,
        message=_message(o, "rate limited (injected)"),
        **_pattern(o),
    ),
    "lost": lambda plan, target, o: plan.lose_response(step=target, **_pattern(o)),
    "connect_error": lambda plan, target, o: plan.connect_error(step=target, **_pattern(o)),
    "timeout": lambda plan, target, o: plan.timeout(step=target, **_pattern(o)),
    "status": lambda plan, target, o: plan.status(_int(o, "code", 502), step=target, **_pattern(o)),
    "api_error": lambda plan, target, o: plan.api_error(
        target, status=_int(o, "status", 503), **_pattern(o)
    ),
    "api_timeout": lambda plan, target, o: plan.api_timeout(target, **_pattern(o)),
}


def _split(text: str) -> tuple[str, str, dict[str, str]]:
    kind, _, rest = text.partition(":")
    target, _, raw_options = rest.partition(":")
    options: dict[str, str] = {}
    for item in filter(None, raw_options.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise InvalidArgument(f"option {item!r} must look like key=value")
        options[key.strip()] = value.strip()
    return kind.strip(), target.strip() or "*", options


def parse_fault_rules(rules: Iterable[str], *, seed: int = 0) -> FaultPlan:
    """A :class:`FaultPlan` from rule strings; raises InvalidArgument naming the bad rule."""
    plan = FaultPlan(seed=seed)
    for text in rules:
        kind, target, options = _split(text)
        builder = KINDS.get(kind)
        if builder is None:
            raise InvalidArgument(
                f"fault rule {text!r}: unknown kind {kind!r}; "
                f"use one of {', '.join(KINDS)} (e.g. transient:image-1-*:first=2)"
            )
        try:
            builder(plan, target, options)
        except (InvalidArgument, ValueError) as exc:
            raise InvalidArgument(f"fault rule {text!r}: {exc}") from exc
    return plan
