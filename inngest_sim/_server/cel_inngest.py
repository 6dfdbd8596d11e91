"""CEL evaluated as the Inngest server evaluates it: missing fields are null-like.

The server runs cel-go with a decorator on every call (``pkg/expressions/unknown.go``):
a field that is not there is *unknown*, and an operator given an unknown returns a fixed
answer instead of an error (``== null`` true, ``!= "free"`` true, ``<`` true when the
unknown is on the left, ``size`` 0, anything else false). Two known values of different
types are tried as usual, and when that fails ``+`` concatenates them as Go's ``%v``
prints them; a null beside a number or string stands for that type's zero. ``||`` and
``&&`` over non-booleans are JavaScript-like, and a ternary's test is truthy.

This evaluator is only asked where cel-rust fails (``.cel.Expression``): where plain CEL
succeeds, the server's decorator gives the same answer.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from inngest_sim._server.cel_regex import search

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from inngest_sim._server.cel_syntax import Node

__all__ = ["UNKNOWN", "evaluate", "go_text"]


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


UNKNOWN = _Marker("UNKNOWN")  # a field or variable that is not there
ERROR = _Marker("ERROR")  # an evaluation error (no overload, bad index...)


class _Failed(Exception):
    """A plain CEL operation has no answer for these values."""


def evaluate(tree: Node, variables: Mapping[str, Any]) -> Any:
    """The value of ``tree``, or ``UNKNOWN`` / ``ERROR`` marker objects."""
    return _Evaluator(variables).eval(tree)


class _Evaluator:
    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.scopes: list[Mapping[str, Any]] = [variables]

    def eval(self, node: Node) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ident":
            for scope in reversed(self.scopes):
                if node[1] in scope:
                    return scope[node[1]]
            return UNKNOWN
        if kind == "select":
            return _field(self.eval(node[1]), node[2])
        if kind == "index":
            return _field(self.eval(node[1]), self.eval(node[2]))
        if kind in ("and", "or"):
            return self.logical(kind == "or", self.eval(node[1]), self.eval(node[2]))
        if kind == "cond":
            return self.eval(node[2] if _truthy(self.eval(node[1])) else node[3])
        if kind == "list":
            return [self.eval(item) for item in node[1]]
        if kind == "map":
            try:
                return {self.eval(k): self.eval(v) for k, v in node[1]}
            except TypeError:  # a list or map as a key: CEL refuses it too
                return ERROR
        if kind == "not":
            return _call("!", [self.eval(node[1])])
        if kind == "neg":
            return _call("neg", [self.eval(node[1])])
        if kind == "op":
            return _call(node[1], [self.eval(node[2]), self.eval(node[3])])
        return self.function(node[1], node[2], node[3])

    def logical(self, is_or: bool, left: Any, right: Any) -> Any:
        # unknown.go evalTruthyLogical: plain CEL over booleans, JavaScript-like otherwise.
        if isinstance(left, bool) and isinstance(right, bool):
            return (left or right) if is_or else (left and right)
        for value in (left, right):
            if _truthy(value) == is_or:
                return value
        return right

    def function(self, name: str, target: Node | None, args: tuple[Node, ...]) -> Any:
        if name == "has" and target is None and len(args) == 1 and args[0][0] == "select":
            holder = self.eval(args[0][1])
            return isinstance(holder, dict) and args[0][2] in holder
        if name in _MACROS and target is not None and args and args[0][0] == "ident":
            return self.macro(name, self.eval(target), args[0][1], args[1:])
        values = [self.eval(a) for a in ((target, *args) if target is not None else args)]
        return _call(name, values)

    def macro(self, name: str, items: Any, var: str, body: tuple[Node, ...]) -> Any:
        if items is UNKNOWN:
            return False  # unknown_test.go: "exists on unknown field -> false"
        if isinstance(items, dict):
            items = list(items)
        if not isinstance(items, list) or not body:
            return ERROR
        results = []
        for item in items:
            self.scopes.append({var: item})
            try:
                results.append([self.eval(b) for b in body])
            finally:
                self.scopes.pop()
        return _MACROS[name](items, results)


_MACROS: dict[str, Callable[[list[Any], list[list[Any]]], Any]] = {
    "all": lambda items, res: all(r[0] is True for r in res),
    "exists": lambda items, res: any(r[0] is True for r in res),
    "exists_one": lambda items, res: sum(r[0] is True for r in res) == 1,
    "map": lambda items, res: [r[-1] for r in res if len(r) == 1 or r[0] is True],
    "filter": lambda items, res: [i for i, r in zip(items, res, strict=True) if r[0] is True],
}


def _field(holder: Any, key: Any) -> Any:
    if holder is UNKNOWN or holder is ERROR:
        return holder
    if isinstance(holder, dict):
        try:
            return holder.get(key, UNKNOWN)
        except TypeError:  # a list or map as a key
            return ERROR
    if isinstance(holder, list) and _is_number(key) and float(key).is_integer():
        index = int(key)
        return holder[index] if 0 <= index < len(holder) else ERROR
    return ERROR


def _truthy(value: Any) -> bool:
    """unknown.go isTruthy: unknown, error, null, false, "", 0 are falsy."""
    if value is UNKNOWN or value is ERROR or value is None:
        return False
    if isinstance(value, bool | str | int | float):
        return bool(value)
    return True


def _type(value: Any) -> str:
    if value is UNKNOWN or value is ERROR:
        return value.name
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "double", str: "string", list: "list", dict: "map"}.get(
        type(value), "other"
    )


_ZEROS: dict[str, Any] = {"int": 0, "double": 0.0, "string": ""}


def _call(name: str, args: list[Any]) -> Any:
    """unknown.go runtimeUnknownCall.Eval: one call with its arguments evaluated."""
    types = list(dict.fromkeys(_type(a) for a in args))
    missing = "UNKNOWN" in types or "ERROR" in types
    if len(types) == 1 and not missing:
        return _plain(name, args)
    if len(types) == 2 and not missing:
        value = _plain(name, args)
        if value is not ERROR:
            return value
        if name == "+":
            return go_text(args[0]) + go_text(args[1])
    if missing:
        return _unknown_call(name, args)
    if "null" in types and len(args) == 2:
        if name in ("==", "!="):
            return name == "!="
        others = [t for t in types if t != "null"]
        if len(others) == 1 and others[0] in _ZEROS:
            zero = _ZEROS[others[0]]
            return _plain(name, [zero if a is None else a for a in args])
    return _plain(name, args)


def _unknown_call(name: str, args: list[Any]) -> Any:
    """unknown.go handleUnknownCall: the fixed answer of a call given an unknown."""
    first_missing = bool(args) and (args[0] is UNKNOWN or args[0] is ERROR)
    if name == "+":
        return next((a for a in args if a is not UNKNOWN), False)
    if name == "==":
        return None in args
    if name == "!=":
        return None not in args
    if name in ("<", "<="):
        return first_missing
    if name in (">", ">="):
        return not first_missing
    if name == "size":
        return 0
    return False


def _plain(name: str, args: list[Any]) -> Any:
    operation = _OPERATIONS.get((name, len(args)))
    if operation is None:
        return ERROR
    try:
        return operation(*args)
    except (_Failed, TypeError, ValueError, ZeroDivisionError, OverflowError):
        return ERROR


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(a: Any, b: Any) -> bool:
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if _type(a) != _type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return bool(a == b)


def _ordered(a: Any, b: Any) -> tuple[Any, Any]:
    if (_is_number(a) and _is_number(b)) or _type(a) == _type(b) in ("string", "bool"):
        return a, b
    raise _Failed


def _same(a: Any, b: Any) -> tuple[Any, Any]:
    if _type(a) != _type(b):
        raise _Failed
    return a, b


def _add(a: Any, b: Any) -> Any:
    a, b = _same(a, b)
    if isinstance(a, bool | dict):
        raise _Failed
    return _int64(a + b)


def _arith(a: Any, b: Any, operation: Callable[[Any, Any], Any]) -> Any:
    a, b = _same(a, b)
    if not _is_number(a):
        raise _Failed
    return _int64(operation(a, b))


def _int64(value: Any) -> Any:
    """``value``, unless it is an int past int64: cel-go's checked arithmetic
    (``common/types/overflow.go``) makes that an overflow error, not a bigger number."""
    if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
        raise _Failed
    return value


_INT64 = (-(2**63), 2**63 - 1)


def _divide(a: Any, b: Any) -> Any:
    if isinstance(a, int):
        # Go's int64 division truncates toward zero; Python's float division would round
        # an int past 2**53, and ``//`` floors.
        quotient = abs(a) // abs(b) if b else _fail()
        return -quotient if (a < 0) != (b < 0) else quotient
    if b == 0:  # Go's float64 division: a signed infinity, or NaN for 0/0
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _modulo(a: Any, b: Any) -> int:
    """cel-go has ``%`` on ints only (no overload for doubles); Go's remainder takes the
    dividend's sign."""
    if not isinstance(a, int) or not b or (a, b) == (_INT64[0], -1):
        raise _Failed  # moduloInt64Checked: by zero, or MinInt64 % -1, is an error
    remainder: int = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _fail() -> Any:
    raise _Failed


def _size(value: Any) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise _Failed


def _on_text(a: Any, b: Any, operation: Callable[[str, str], Any]) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return operation(a, b)
    raise _Failed


def _convert_int(value: Any) -> int:
    if isinstance(value, str):
        # strconv.ParseInt(s, 10, 64): digits with an optional sign, no spaces or "_"
        # (which Python's int() would take).
        if not _DECIMAL.fullmatch(value):
            raise _Failed
        return int(_int64(int(value)))
    if _is_number(value) and math.isfinite(value):
        return int(_int64(int(value)))  # doubleToInt64Checked: out of range is an error
    raise _Failed


_DECIMAL = re.compile(r"[+-]?[0-9]+")


def _contains(items: Any, item: Any) -> bool:
    if isinstance(items, dict):
        return any(_equal(k, item) for k in items)
    if isinstance(items, list):
        return any(_equal(i, item) for i in items)
    raise _Failed


_OPERATIONS: dict[tuple[str, int], Callable[..., Any]] = {
    ("==", 2): _equal,
    ("!=", 2): lambda a, b: not _equal(a, b),
    ("<", 2): lambda a, b: (lambda x, y: x < y)(*_ordered(a, b)),
    ("<=", 2): lambda a, b: (lambda x, y: x <= y)(*_ordered(a, b)),
    (">", 2): lambda a, b: (lambda x, y: x > y)(*_ordered(a, b)),
    (">=", 2): lambda a, b: (lambda x, y: x >= y)(*_ordered(a, b)),
    ("in", 2): lambda a, b: _contains(b, a),
    ("+", 2): _add,
    ("-", 2): lambda a, b: _arith(a, b, lambda x, y: x - y),
    ("*", 2): lambda a, b: _arith(a, b, lambda x, y: x * y),
    ("/", 2): lambda a, b: _arith(a, b, _divide),
    ("%", 2): lambda a, b: _arith(a, b, _modulo),
    ("!", 1): lambda a: not a if isinstance(a, bool) else _fail(),
    ("neg", 1): lambda a: _int64(-a) if _is_number(a) else _fail(),
    ("size", 1): _size,
    ("contains", 2): lambda a, b: _on_text(a, b, str.__contains__),
    ("startsWith", 2): lambda a, b: _on_text(a, b, str.startswith),
    ("endsWith", 2): lambda a, b: _on_text(a, b, str.endswith),
    ("matches", 2): lambda a, b: _on_text(a, b, search),  # RE2, as Go's (cel_regex)
    ("lowerAscii", 1): lambda a: _on_text(a, "", lambda x, _: x.lower()),
    ("upperAscii", 1): lambda a: _on_text(a, "", lambda x, _: x.upper()),
    ("int", 1): _convert_int,
    ("uint", 1): lambda a: _convert_int(a) if _convert_int(a) >= 0 else _fail(),
    ("double", 1): lambda a: float(a) if _is_number(a) or isinstance(a, str) else _fail(),
    ("string", 1): lambda a: go_text(a) if _type(a) != "other" else _fail(),
}


def go_text(value: Any) -> str:
    """``value`` as Go's ``fmt.Sprintf("%v")`` prints the cel-go value of it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "NULL_VALUE"  # structpb.NullValue_NULL_VALUE
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value).replace("inf", "+Inf").replace("nan", "NaN")
    if isinstance(value, list):
        return "[" + " ".join(go_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{go_text(k)}:{go_text(v)}" for k, v in value.items()) + "]"
    return str(value)
