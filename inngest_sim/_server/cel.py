"""Inngest expressions (CEL), compiled once and evaluated against events.

Uses the ``common-expression-language`` package (a binding of cel-rust). An
expression that fails to evaluate (for instance a missing key) is false, as on
the Inngest server; one that fails to *parse* is an error at sync time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inngest_sim._errors import InvalidArgument

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Expression"]


class Expression:
    """A compiled CEL expression."""

    __slots__ = ("_program", "source")

    def __init__(self, source: str, *, where: str) -> None:
        # Imported on first use: the package also loads its command line (prompt_toolkit,
        # rich), a tenth of a second that `inngest-sim dev` would pay at every start.
        import cel

        self.source = source
        try:
            self._program = cel.compile(source)
        except ValueError as exc:
            raise InvalidArgument(
                f"{where}: the expression {source!r} does not parse as CEL: "
                f"{str(exc).splitlines()[0]}"
            ) from exc

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The expression's value, or None when evaluation fails."""
        try:
            return self._program.execute(dict(variables))
        except Exception:  # cel raises KeyError, TypeError, RuntimeError... all mean "no value"
            return None

    def matches(self, variables: Mapping[str, Any]) -> bool:
        return self.evaluate(variables) is True
