"""A registration's shape, checked before anything of it is taken.

The Go server unmarshals a registration into typed structs (``pkg/sdk/function.go``:
``steps`` a map of ``SDKStep``, ``retries.attempts`` an int, a trigger's ``event`` a
string) and ``Function.Validate`` refuses a trigger with neither an event nor a cron, or
both (``pkg/inngest/trigger.go``). A payload of another shape is a 400 there; here it is
too, with every place that is wrong named (pydantic reads the shape), instead of a raw 500
or, worse, a function taken that breaks every later send (a trigger whose event is a
number made every Event API call fail).

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


def _place(error: Any) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    got = repr(error.get("input"))
    got = got if len(got) <= 60 else got[:57] + "..."
    return f"{where.lstrip('.') or 'the registration'}: {error['msg']} (got {got})"
