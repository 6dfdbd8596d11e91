"""Which pattern options can match at which layer: a rule that could never apply is refused.

The SDK's calls to the Inngest API (the ``api`` layer) are not part of any one step or
attempt: the fault hook sees the endpoint and nothing else (see ``faults/_api.py``). An
``attempts=``, ``first=`` or ``function=`` option on such a rule would never match (or, for
``function=``, match every function), so the plan refuses it when the rule is built rather
than letting ``assert_all_called`` discover it after the test.
"""

from __future__ import annotations

from typing import Any, Protocol

from inngest_sim._errors import InvalidArgument

__all__ = ["check_rule_applies"]

_API_FIX = (
    "to fail only the first N calls, pass when= a predicate that counts them, e.g. "
    "calls = iter(range(N)); when=lambda ctx: next(calls, None) is not None"
)


class _Rule(Protocol):
    """What is checked of a ``FaultRule`` (a protocol: the plan imports this module)."""

    @property
    def layer(self) -> str: ...

    effect: Any
    function: str
    step: str
    attempts: frozenset[int] | None
    first: int | None


def check_rule_applies(rule: _Rule) -> None:
    """Raise ``InvalidArgument`` when one of ``rule``'s options can never match its layer."""
    if rule.layer != "api":
        return
    kind = rule.effect.kind
    if rule.attempts is not None or rule.first is not None:
        option = "attempts=" if rule.attempts is not None else "first="
        raise InvalidArgument(
            f"{kind}(): {option} can never match: the SDK's calls to the Inngest API carry no "
            f"attempt number, so the rule would never apply; {_API_FIX}"
        )
    if rule.function != "*":
        raise InvalidArgument(
            f"{kind}(): function={rule.function!r} cannot narrow an API rule: the SDK's calls "
            "to the Inngest API name no function, so it would match every call; drop it, or "
            "pass when= a predicate that decides"
        )
    endpoint = getattr(rule.effect, "endpoint", rule.step)
    if rule.step not in ("*", endpoint):
        raise InvalidArgument(
            f"{kind}(): step={rule.step!r} can never match: an API rule matches its endpoint "
            f"({endpoint!r}); drop step="
        )
