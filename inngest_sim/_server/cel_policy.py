"""What the Inngest server allows in a ``cancelOn`` ``if``: comparisons and logic only.

``pkg/inngest/function.go`` validates each cancellation expression at sync with
``expressions.DefaultRestrictiveValidationPolicy()`` (``pkg/expressions/validation.go``
validateAST): no macros (``has``, ``all``, ``exists``, ``exists_one``, ``map``, ``filter``)
and no function other than the logic operators (``?:``, ``&&``, ``||``, ``!``, ``==``,
``!=``, ``<``, ``<=``, ``>``, ``>=``, ``[]``, ``in``) and ``int``, ``uint``, ``double``:
``+``, ``size``, ``matches``, ``contains``... are refused. Seen on the server: a cancel
``if`` of ``async.data.s.matches("^a+b$")`` failed the sync, logged as
``Cancellation expression is invalid: validation failed: 1 error occurred: * function calls
are disallowed (uses 'matches')`` (the SDK got 400 ``At least one function is invalid``).

As validateAST, the walk descends into a call's arguments, an operand of a field selection
and nothing else (not a method's receiver, a list's or a map's items, a macro's body). A
``waitForEvent`` ``if`` is checked with the same policy by the server but only logged
(executor.go handleGeneratorWaitForEvent), so it is not checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inngest_sim._server.cel_syntax import Node

__all__ = ["restricted_problems"]

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_CONVERSIONS = frozenset({"int", "uint", "double"})
_LOGIC_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})


def restricted_problems(tree: Node) -> list[str]:
    """validateAST's violations of the restrictive policy in ``tree``, in its order."""
    problems: list[str] = []
    _walk(tree, problems)
    return problems


def _walk(node: Node, problems: list[str]) -> None:
    kind = node[0]
    if kind == "select":
        _walk(node[1], problems)
    elif kind in ("and", "or", "not", "cond", "index"):
        for child in node[1:]:
            _walk(child, problems)
    elif kind == "neg":
        if node[1][0] != "lit":  # cel-go's parser folds -1 into a literal
            problems.append("function calls are disallowed (uses '-_')")
        _walk(node[1], problems)
    elif kind == "op":
        if node[1] not in _LOGIC_OPS:
            problems.append(f"function calls are disallowed (uses '_{node[1]}_')")
        _walk(node[2], problems)
        _walk(node[3], problems)
    elif kind == "call":
        _call(node, problems)


def _call(node: Node, problems: list[str]) -> None:
    name, target, args = node[1], node[2], node[3]
    if name == "has" and target is None and len(args) == 1 and args[0][0] == "select":
        problems.append("macros are disallowed (uses 'has')")
        _walk(args[0][1], problems)
        return
    if name in _MACROS and target is not None:
        problems.append(f"macros are disallowed (uses '{name}')")
        return
    if name not in _CONVERSIONS:
        problems.append(f"function calls are disallowed (uses '{name}')")
    for arg in args:
        _walk(arg, problems)
