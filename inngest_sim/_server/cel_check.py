"""What the Inngest server's type check refuses in an expression when an app syncs.

The server compiles every expression with cel-go's checker (``pkg/expressions/validation.go``
Validate), where ``event`` and the other variables are dynamic: only a value whose type is
known without the event (a literal, a comparison, ``size(...)``...) can be refused. Seen on
the real server: ``event.data.a || "anon"`` is refused (``expected type 'bool' but found
'string'``), as are ``!"x"``, ``-"x"``, ``"x" ? 1 : 2`` and ``size(1)``; ``1 + "a"``,
``1 + 2.0`` and ``1 == "a"`` sync (Inngest's evaluator answers them at run time). The
server's message also gives the column; this one names the expression instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inngest_sim._server.cel_syntax import Node

__all__ = ["type_problem"]

DYN = "dyn"
_BOOL_RESULTS = {"==", "!=", "<", "<=", ">", ">=", "in"}
_FUNCTION_RESULTS = {
    "size": "int",
    "int": "int",
    "uint": "uint",
    "double": "double",
    "string": "string",
    "contains": "bool",
    "startsWith": "bool",
    "endsWith": "bool",
    "matches": "bool",
    "has": "bool",
    "all": "bool",
    "exists": "bool",
    "exists_one": "bool",
}


class _Refused(Exception):
    pass


def type_problem(tree: Node) -> str | None:
    """cel-go's message for the first operand of a known, wrong type, or None."""
    try:
        _type(tree)
    except _Refused as exc:
        return str(exc)
    return None


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "double", str: "string"}.get(type(value), DYN)


def _no_overload(function: str, *types: str) -> _Refused:
    return _Refused(
        f"found no matching overload for '{function}' applied to '({', '.join(types)})'"
    )


def _type(node: Node) -> str:
    kind = node[0]
    if kind == "lit":
        return _literal(node[1])
    if kind in ("and", "or"):
        for operand in node[1:]:
            found = _type(operand)
            if found not in ("bool", DYN):
                raise _Refused(f"expected type 'bool' but found '{found}'")
        return "bool"
    if kind == "not":
        found = _type(node[1])
        if found not in ("bool", DYN):
            raise _no_overload("!_", found)
        return "bool"
    if kind == "neg":
        found = _type(node[1])
        if found not in ("int", "double", DYN):
            raise _no_overload("-_", found)
        return found
    if kind == "cond":
        test, then, otherwise = (_type(n) for n in node[1:])
        if test not in ("bool", DYN):
            raise _no_overload("_?_:_", test, then, otherwise)
        return then if then == otherwise else DYN
    if kind == "op":
        left, right = _type(node[2]), _type(node[3])
        if node[1] in _BOOL_RESULTS:
            return "bool"
        return left if left == right else DYN
    if kind == "call":
        return _call(node)
    if kind == "list":
        for item in node[1]:
            _type(item)
        return "list"
    if kind == "map":
        for key, value in node[1]:
            _type(key)
            _type(value)
        return "map"
    for child in node[1:]:  # select (operand, field) and index (operand, index): a dyn value
        if isinstance(child, tuple):
            _type(child)
    return DYN


def _call(node: Node) -> str:
    name, target, args = node[1], node[2], node[3]
    types = [_type(a) for a in ((target, *args) if target is not None else args)]
    if name == "size" and types and types[0] in ("int", "double", "bool", "null_type"):
        raise _no_overload("size", types[0])
    return _FUNCTION_RESULTS.get(name, DYN)
