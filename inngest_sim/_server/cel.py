"""Inngest expressions (CEL), compiled once and evaluated against events as the server does.

cel-rust (the ``common-expression-language`` package) parses every expression at sync
(``.cel_check`` then refuses what the server's type check refuses) and evaluates it
first. Where plain CEL has no answer (a missing field, ``"user-" + 1``, ``null < 1``,
``event.data.a || event.data.b`` over text), the Inngest server does not fail: its decorator
(``pkg/expressions/unknown.go``) gives each operator a fixed answer. cel-rust has no hook
for that, so the expression is then evaluated again by ``.cel_inngest`` over this
module's own syntax tree; where plain CEL succeeds the two agree (the decorator only
steps in on an error). As the server's ``eval`` (``pkg/expressions/cel.go``) an
expression whose value is still unknown is false, and one that errors is None.

String literals are evaluated as the server evaluates them, lifted out raw with their
escapes kept (``.cel_lift``), and ``matches`` is RE2 as Go's (``.cel_regex``), in both
evaluators: cel-rust's own ``matches`` (Rust's Unicode-aware ``regex``) is never asked.

Event numbers are JSON numbers, which the server decodes as float64 (``encoding/json``
in ``pkg/event/event.go``); they are evaluated as floats here too, so ``event.data.p``
is a double and ``event.data.n + 1`` is not an int sum.
"""

from __future__ import annotations

import contextlib
import math
import re
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._server.cel_check import type_problem
from inngest_sim._server.cel_inngest import ERROR, UNKNOWN, evaluate
from inngest_sim._server.cel_lift import lift_literals
from inngest_sim._server.cel_regex import RegexError, search, unavailable_reason
from inngest_sim._server.cel_syntax import CelSyntaxError, parse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from cel import Program

    from inngest_sim._server.cel_syntax import Node

__all__ = ["Expression", "json_numbers"]


class Expression:
    """A compiled CEL expression."""

    __slots__ = ("_lifted", "_program", "_regex", "_tree", "_vars", "source")

    def __init__(self, source: str, *, where: str) -> None:
        # Imported on first use: the package also loads its command line (prompt_toolkit,
        # rich), a tenth of a second that `inngest-sim dev` would pay at every start.
        import cel

        self.source = source
        self._tree: Node | None = None
        try:
            written = cel.compile(source)  # the sync check reads the expression as written
        except ValueError as exc:
            raise InvalidArgument(
                f"{where}: the expression {source!r} does not parse as CEL: "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        self._lifted, self._vars = lift_literals(source)
        self._regex = _MATCHES.search(self._lifted) is not None
        if self._regex and (reason := unavailable_reason()) is not None:
            raise InvalidArgument(f"{where}: the expression {source!r} uses {reason}")
        runnable = _MATCHES.sub(_REGEX_FUNCTION, self._lifted) if self._regex else self._lifted
        self._program: Program | None = written if runnable == source else None
        if self._program is None:
            with contextlib.suppress(ValueError):  # lifted, it does not compile (r""): no value
                self._program = cel.compile(runnable)
        self._check(where)

    def _check(self, where: str) -> None:
        try:
            problem = type_problem(parse(self.source))
        except (CelSyntaxError, RecursionError):
            return  # CEL this reader does not know (or too deep for it): cel-rust's word stands
        if problem is not None:
            raise InvalidArgument(
                f"{where}: the expression {self.source!r} does not type-check: {problem}; the "
                "Inngest server refuses it at sync (event fields may be any type, but a "
                "literal's type is known): change the operand's type"
            )

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The expression's value as the Inngest server finds it, or None when it errors."""
        values: dict[str, Any] = {name: json_numbers(value) for name, value in variables.items()}
        if self._vars:
            values["vars"] = self._vars
        if self._program is None:
            return None
        given = {**values, _REGEX_FUNCTION: _search} if self._regex else values
        try:
            return self._program.execute(given)
        except Exception:  # cel raises KeyError, TypeError, RuntimeError...: ask Inngest's rules
            return self._lenient(values)

    def _lenient(self, values: dict[str, Any]) -> Any:
        if self._tree is None:
            try:
                self._tree = parse(self._lifted)
            except (CelSyntaxError, RecursionError):
                self._tree = ("lit", ERROR)  # CEL this reader does not know: no value
        try:
            value = evaluate(self._tree, values)
        except RecursionError:
            return None  # nested deeper than Python's stack: no value, as an error would be
        if value is UNKNOWN:
            return False  # cel.go eval: an unknown result is `false, nil`
        return None if value is ERROR else value

    def matches(self, variables: Mapping[str, Any]) -> bool:
        return self.evaluate(variables) is True


# ``x.matches(p)`` and ``matches(x, p)``, renamed for cel-rust to a function of ours (its
# own ``matches`` cannot be replaced); the lifted text has no string literals to confuse.
_MATCHES = re.compile(r"(?<![A-Za-z0-9_])matches(?=\s*\()")
_REGEX_FUNCTION = "inngest_re2_matches"


def _search(text: Any, pattern: Any) -> bool | None:
    """cel-rust's ``matches``: None where Go's errors (two strings needed, a pattern Go
    refuses), which fails cel-rust's evaluation so that Inngest's rules answer; raising would
    do the same but cel-rust prints every exception a Python function raises."""
    if not isinstance(text, str) or not isinstance(pattern, str):
        return None
    try:
        return search(text, pattern)
    except RegexError:
        return None


def json_numbers(value: Any) -> Any:
    """``value`` with every int a float, as Go decodes a JSON number (``value`` itself
    when it holds no int)."""
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            # Past float64: no event carries one (every door refuses it, ``door.out_of_range``,
            # as Go's Event API does); kept so that an expression never raises.
            return math.inf if value > 0 else -math.inf
    if isinstance(value, dict):
        items = {k: json_numbers(v) for k, v in value.items()}
        return value if all(items[k] is value[k] for k in value) else items
    if isinstance(value, list | tuple):
        converted = [json_numbers(v) for v in value]
        same = all(a is b for a, b in zip(converted, value, strict=True))
        return value if same else converted
    return value
