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

Event numbers are JSON numbers, which the server decodes as float64 (``encoding/json``
in ``pkg/event/event.go``); they are evaluated as floats here too, so ``event.data.p``
is a double and ``event.data.n + 1`` is not an int sum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument
from inngest_sim._server.cel_check import type_problem
from inngest_sim._server.cel_inngest import ERROR, UNKNOWN, evaluate
from inngest_sim._server.cel_syntax import CelSyntaxError, parse

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._server.cel_syntax import Node

__all__ = ["Expression", "json_numbers"]


class Expression:
    """A compiled CEL expression."""

    __slots__ = ("_program", "_tree", "source")

    def __init__(self, source: str, *, where: str) -> None:
        # Imported on first use: the package also loads its command line (prompt_toolkit,
        # rich), a tenth of a second that `inngest-sim dev` would pay at every start.
        import cel

        self.source = source
        self._tree: Node | None = None
        try:
            self._program = cel.compile(source)
        except ValueError as exc:
            raise InvalidArgument(
                f"{where}: the expression {source!r} does not parse as CEL: "
                f"{str(exc).splitlines()[0]}"
            ) from exc
        try:
            self._tree = parse(source)
            problem = type_problem(self._tree)
        except (CelSyntaxError, RecursionError):
            self._tree = None
            return  # CEL this reader does not know (or too deep for it): cel-rust's word stands
        if problem is not None:
            raise InvalidArgument(
                f"{where}: the expression {source!r} does not type-check: {problem}; the "
                "Inngest server refuses it at sync (event fields may be any type, but a "
                "literal's type is known): change the operand's type"
            )

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The expression's value as the Inngest server finds it, or None when it errors."""
        values = {name: json_numbers(value) for name, value in variables.items()}
        try:
            return self._program.execute(values)
        except Exception:  # cel raises KeyError, TypeError, RuntimeError...: ask Inngest's rules
            return self._lenient(values)

    def _lenient(self, values: dict[str, Any]) -> Any:
        if self._tree is None:
            try:
                self._tree = parse(self.source)
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
