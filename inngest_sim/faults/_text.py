"""Fault rules as short strings, for the command line: ``KIND[:TARGET][:key=value,...]``.

Examples:

```text
transient:image-1-*:first=2       the step body raises ConnectionError, twice
non_retriable:image-0-0           NonRetriableError (the step fails)
retry_after:music:seconds=30      RetryAfterError(30 s), once
lose_response:image-3-0:attempts=0  the step runs, its response is lost
status:video-*:code=502           a proxy answers 502 before the SDK sees the request
connect_error:*  /  timeout:*     the request never reaches the SDK
api_error:events:status=503       the Event API answers 503 to the SDK
api_timeout:publish               realtime publish times out
fetch_error:step.fetch*           a step.fetch call gets no answer (GatewayError)
fetch_status:step.fetch*:code=503 a step.fetch call is answered 503
```

KIND is a ``FaultPlan`` method name; TARGET is the step id glob (the endpoint for
``api_*`` kinds). Every kind takes ``probability=P``; the step and request kinds also take
``first=N``, ``attempts=0|1`` and ``function=GLOB`` (the SDK's calls to the Inngest API carry
no attempt number and name no function, so ``api_*`` rules refuse them); some take more
(``message=``, ``seconds=``, ``code=``, ``status=``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

from inngest_sim._errors import InvalidArgument
from inngest_sim.faults._plan import FaultPlan, FaultRule

__all__ = ["TEXT_KINDS", "parse_fault_rules"]

PATTERN_OPTIONS = ("first", "attempts", "function", "probability")
#: What the ``api_*`` kinds take of the pattern: their calls have no attempt or function.
API_PATTERN_OPTIONS = ("probability",)


def _int(key: str, raw: str) -> int:
    if not raw.isdigit():
        raise InvalidArgument(f"option {key}={raw!r} must be a whole number")
    return int(raw)


def _float(key: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise InvalidArgument(f"option {key}={raw!r} must be a number") from None


def _pattern(options: dict[str, str]) -> dict[str, Any]:
    pattern: dict[str, Any] = {}
    if "first" in options:
        pattern["first"] = _int("first", options["first"])
    if "attempts" in options:
        pattern["attempts"] = [_int("attempts", a) for a in options["attempts"].split("|")]
    if "function" in options:
        pattern["function"] = options["function"]
    if "probability" in options:
        pattern["probability"] = _float("probability", options["probability"])
    return pattern


_Build = Callable[[FaultPlan, str, dict[str, str]], FaultRule]

TEXT_KINDS: dict[str, tuple[tuple[str, ...], _Build]] = {
    "transient": (
        ("message",),
        lambda plan, target, o: plan.transient(step=target, **_kw(o, "message"), **_pattern(o)),
    ),
    "non_retriable": (
        ("message",),
        lambda plan, target, o: plan.non_retriable(step=target, **_kw(o, "message"), **_pattern(o)),
    ),
    "retry_after": (
        ("seconds", "message"),
        lambda plan, target, o: plan.retry_after(
            _int("seconds", o.get("seconds", "60")), step=target, **_kw(o, "message"), **_pattern(o)
        ),
    ),
    "lose_response": ((), lambda plan, target, o: plan.lose_response(step=target, **_pattern(o))),
    "connect_error": ((), lambda plan, target, o: plan.connect_error(step=target, **_pattern(o))),
    "timeout": ((), lambda plan, target, o: plan.timeout(step=target, **_pattern(o))),
    "status": (
        ("code",),
        lambda plan, target, o: plan.status(
            _int("code", o.get("code", "502")), step=target, **_pattern(o)
        ),
    ),
    "api_error": (
        ("status",),
        lambda plan, target, o: plan.api_error(
            target, status=_int("status", o.get("status", "503")), **_pattern(o)
        ),
    ),
    "api_timeout": ((), lambda plan, target, o: plan.api_timeout(target, **_pattern(o))),
    "fetch_error": ((), lambda plan, target, o: plan.fetch_error(step=target, **_pattern(o))),
    "fetch_status": (
        ("code",),
        lambda plan, target, o: plan.fetch_status(
            _int("code", o.get("code", "503")), step=target, **_pattern(o)
        ),
    ),
}
"""Each kind the strings take: its own options, and how it builds the rule."""


def _kw(options: dict[str, str], key: str) -> dict[str, str]:
    return {key: options[key]} if key in options else {}


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


def _unknown(kind: str, text: str) -> InvalidArgument:
    close = difflib.get_close_matches(kind, TEXT_KINDS, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return InvalidArgument(
        f"fault rule {text!r}: unknown kind {kind!r}{hint}; "
        f"use one of {', '.join(TEXT_KINDS)} (e.g. transient:image-1-*:first=2)"
    )


def _check_options(kind: str, own: tuple[str, ...], options: dict[str, str]) -> None:
    api = kind.startswith("api_")
    valid = (*own, *(API_PATTERN_OPTIONS if api else PATTERN_OPTIONS))
    for key in options:
        if api and key in PATTERN_OPTIONS and key not in valid:
            raise InvalidArgument(
                f"option {key}= can never match an {kind} rule: the SDK's calls to the Inngest "
                f"API carry no attempt number and name no function; {kind} takes "
                f"{', '.join(k + '=' for k in valid)} (in Python, when= can pick calls)"
            )
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f" (did you mean {close[0]}=?)" if close else ""
            raise InvalidArgument(
                f"unknown option {key}={hint}; {kind} takes {', '.join(k + '=' for k in valid)}"
            )


def parse_fault_rules(rules: Iterable[str], *, seed: int = 0) -> FaultPlan:
    """A ``FaultPlan`` from rule strings; raises InvalidArgument naming the bad rule."""
    if isinstance(rules, str):
        raise InvalidArgument(f"rules={rules!r} is one string; pass a list of rule strings")
    plan = FaultPlan(seed=seed)
    for text in rules:
        if not isinstance(text, str):
            raise InvalidArgument(f"fault rule {text!r} must be a string such as 'transient:a'")
        kind, target, options = _split(text)
        if kind not in TEXT_KINDS:
            raise _unknown(kind, text)
        own, build = TEXT_KINDS[kind]
        built = len(plan.rules)
        try:
            _check_options(kind, own, options)
            build(plan, target, options)
        except InvalidArgument as exc:
            raise InvalidArgument(f"fault rule {text!r}: {exc}") from exc
        for rule in plan.rules[built:]:
            rule._source = text
    return plan
