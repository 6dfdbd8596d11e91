"""A registration's shape, checked before anything of it is taken.

The Go server unmarshals a registration into typed structs (``pkg/sdk/function.go``:
``steps`` a map of ``SDKStep``, ``retries.attempts`` an int, a trigger's ``event`` a
string) and ``Function.Validate`` refuses a trigger with neither an event nor a cron, or
both (``pkg/inngest/trigger.go``). A payload of another shape is a 400 there; here it is
too, with every place that is wrong named (pydantic reads the shape), instead of a raw 500
or, worse, a function taken that breaks every later send (a trigger whose event is a
number made every Event API call fail).

A number past a 64-bit integer anywhere in the functions is refused as Go refuses it.

Stricter than Go: an empty function id and a negative ``retries.attempts`` are refused
(Go takes them; neither is something an SDK sends).
"""

from __future__ import annotations

from typing import Annotated, Any, Required

from pydantic import Field, StrictInt, StrictStr, TypeAdapter, ValidationError

# pydantic reads typing_extensions' TypedDict on Python < 3.12 (Required with it).
from typing_extensions import TypedDict

__all__ = ["registration_problem"]

_Text = Annotated[StrictStr, Field(min_length=1)]
# Keys not named here (concurrency, batchEvents...) are left to the policy reader.


class _Retries(TypedDict, total=False):
    attempts: Annotated[StrictInt, Field(ge=0)] | None


class _Runtime(TypedDict, total=False):
    url: Required[StrictStr]


class _Step(TypedDict, total=False):
    id: StrictStr | None
    name: StrictStr | None
    runtime: Required[_Runtime]
    retries: _Retries | None


class _Trigger(TypedDict, total=False):
    event: _Text | None
    expression: StrictStr | None
    cron: _Text | None


_Cancel = TypedDict(
    "_Cancel",
    {"event": Required[_Text], "if": StrictStr | None, "timeout": StrictStr | None},
    total=False,
)


class _Function(TypedDict, total=False):
    id: Required[_Text]
    name: StrictStr | None
    triggers: Required[list[_Trigger]]
    steps: Required[dict[str, _Step]]
    cancel: list[_Cancel] | None


class _Registration(TypedDict, total=False):
    url: StrictStr | None
    appName: StrictStr | None
    appname: StrictStr | None
    functions: Required[list[_Function]]


_SHAPE = TypeAdapter(_Registration)


def registration_problem(payload: dict[str, Any]) -> str | None:
    """What is wrong with the shape of a ``POST /fn/register`` body, or None."""
    beyond = _beyond_int64(payload.get("functions"), "functions")
    if beyond is not None:
        return beyond
    try:
        _SHAPE.validate_python(payload)
    except ValidationError as exc:
        places = [_place(error) for error in exc.errors(include_url=False)[:5]]
        more = exc.error_count() - len(places)
        return "; ".join(places) + (f" (and {more} more)" if more > 0 else "")
    for position, function in enumerate(payload["functions"]):
        for index, trigger in enumerate(function["triggers"]):
            if bool(trigger.get("event")) == bool(trigger.get("cron")):
                return (
                    f"functions[{position}].triggers[{index}]: a trigger has an event name "
                    "or a cron schedule, exactly one of them"
                )
    return None


_INT64 = (-(2**63), 2**63 - 1)


def _beyond_int64(value: Any, where: str) -> str | None:
    """Go reads a registration's numbers into Go ints (``retries.attempts``, a
    concurrency ``limit``, a rate limit's: pkg/sdk/function.go), so one past 64 bits refuses
    the whole sync: seen on the Go server, ``Invalid request: json: cannot unmarshal number
    1000000000000000000000000000000 into Go struct field
    StepRetries.functions.steps.retries.attempts of type int``, a 400."""
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, place = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool):
            if not _INT64[0] <= item <= _INT64[1]:
                return (
                    f"Invalid request: json: cannot unmarshal number {item} into a Go int "
                    f"at {place}: the Inngest server refuses a number beyond a 64-bit "
                    "integer in a registration; use a smaller one"
                )
        elif isinstance(item, dict):
            stack.extend((v, f"{place}.{k}") for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, f"{place}[{i}]") for i, v in reversed(list(enumerate(item))))
    return None


def _place(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    got = repr(error.get("input"))
    got = got if len(got) <= 60 else got[:57] + "..."
    return f"{where.lstrip('.') or 'the registration'}: {error['msg']} (got {got})"
