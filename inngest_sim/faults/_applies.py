"""Which pattern options can match at which layer: a rule that could never apply is refused.

The SDK's calls to the Inngest API (the ``api`` layer) are not part of any one step or
attempt: the fault hook sees the endpoint and nothing else (see ``faults/_api.py``). An
``attempts=``, ``first=`` or ``function=`` option on such a rule would never match (or, for
``function=``, match every function), so the plan refuses it when the rule is built rather
than letting ``assert_all_called`` discover it after the test. A rule whose ``function=``
glob matches none of the functions a simulator serves is refused when the simulator starts,
for the same reason (``check_functions_served``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from inngest_sim._errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["check_functions_served", "check_rule_applies"]

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

    def names_function(self, function_id: str) -> bool: ...

    def quoted(self) -> str: ...


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


def check_functions_served(rules: Iterable[_Rule], function_ids: Sequence[str]) -> None:
    """Raise ``InvalidArgument`` naming every rule whose ``function=`` glob matches none of
    ``function_ids`` (the served functions): such a rule would never apply, and a test
    would pass without the fault it meant to inject."""
    unmatched = [
        rule
        for rule in rules
        if rule.function != "*" and not any(map(rule.names_function, function_ids))
    ]
    if not unmatched:
        return
    served = ", ".join(sorted(function_ids)) or "(none)"
    lines = [f"{r.quoted()}: function={r.function!r} matches no served function" for r in unmatched]
    raise InvalidArgument(
        f"{len(unmatched)} fault rule(s) can never apply: " + "; ".join(lines) + ". "
        f"Served functions: {served}. Fix function= to a glob of one of them (a function's "
        "full id, app-fn, or its id without the app prefix, e.g. 'fn' or 'app-*'), or drop "
        "the rule"
    )
