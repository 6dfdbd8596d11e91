"""CEL source to a small syntax tree, for the evaluator that follows Inngest's rules.

cel-rust (``common-expression-language``) evaluates every expression first; it has no
hook to change what an operator does with a missing field, so where it fails the
expression is evaluated again over this tree (``.cel_inngest``). The tree is tuples:
``("lit", value)``, ``("ident", name)``, ``("select", operand, field)``,
``("index", operand, index)``, ``("call", name, target | None, args)``,
``("op", operator, left, right)``, ``("and", left, right)``, ``("or", left, right)``,
``("not", operand)``, ``("neg", operand)``, ``("cond", test, then, otherwise)``,
``("list", items)`` and ``("map", pairs)``.
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["Node", "parse"]

Node = tuple[Any, ...]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>[rR]?[bB]?[rR]?
        (?:\"\"\"(?:.|\n)*?\"\"\"|'''(?:.|\n)*?'''|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'))
  | (?P<number>0[xX][0-9a-fA-F]+[uU]?|(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[uU]?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()\[\]{}])
    """,
    re.VERBOSE,
)
_RELATIONS = ("==", "!=", "<", "<=", ">", ">=", "in")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class CelSyntaxError(ValueError):
    """The source is not CEL this parser reads."""


def _tokens(source: str) -> list[tuple[str, str]]:
    out, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise CelSyntaxError(f"unexpected {source[position]!r} at {position}")
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group()
            out.append(("name" if value == "in" else kind, value))
    return out


def parse(source: str) -> Node:
    """The syntax tree of ``source``; ``CelSyntaxError`` when it does not parse."""
    parser = _Parser(_tokens(source))
    tree = parser.expression()
    if parser.peek() is not None:
        raise CelSyntaxError(f"unexpected {parser.peek()!r}")
    return tree


class _Parser:
    """Recursive descent over CEL's grammar, one method per precedence level."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise CelSyntaxError("unexpected end of expression")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise CelSyntaxError(f"expected {expected!r}, got {token[1]!r}")
        self.at += 1
        return token

    def expression(self) -> Node:
        test = self.binary(0)
        if self.peek() != "?":
            return test
        self.take("?")
        then = self.binary(0)
        self.take(":")
        return ("cond", test, then, self.expression())

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        _RELATIONS,
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self._LEVELS[level]:
            operator = self.take()[1]
            right = self.binary(level + 1)
            if operator in ("||", "&&"):
                left = ("or" if operator == "||" else "and", left, right)
            else:
                left = ("op", operator, left, right)
        return left

    def unary(self) -> Node:
        if self.peek() == "!":
            self.take()
            return ("not", self.unary())
        if self.peek() == "-":
            self.take()
            return ("neg", self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while self.peek() in (".", "["):
            if self.take()[1] == "[":
                index = self.expression()
                self.take("]")
                node = ("index", node, index)
                continue
            kind, name = self.take()
            if kind != "name":
                raise CelSyntaxError(f"expected a field name after '.', got {name!r}")
            if self.peek() == "(":
                node = ("call", name, node, self.arguments(")"))
            else:
                node = ("select", node, name)
        return node

    def arguments(self, closing: str) -> tuple[Node, ...]:
        self.take()
        items: list[Node] = []
        while self.peek() != closing:
            items.append(self.expression())
            if self.peek() != ",":
                break
            self.take(",")
        self.take(closing)
        return tuple(items)

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "number":
            return ("lit", _number(value))
        if kind == "string":
            return ("lit", _string(value))
        if value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if value == "[":
            self.at -= 1
            return ("list", self.arguments("]"))
        if value == "{":
            return ("map", self.map_entries())
        if value == ".":
            kind, value = self.take()
        if kind != "name":
            raise CelSyntaxError(f"unexpected {value!r}")
        if value in _LITERALS:
            return ("lit", _LITERALS[value])
        if self.peek() == "(":
            return ("call", value, None, self.arguments(")"))
        return ("ident", value)

    def map_entries(self) -> tuple[tuple[Node, Node], ...]:
        pairs: list[tuple[Node, Node]] = []
        while self.peek() != "}":
            key = self.expression()
            self.take(":")
            pairs.append((key, self.expression()))
            if self.peek() != ",":
                break
            self.take(",")
        self.take("}")
        return tuple(pairs)


def _number(text: str) -> int | float:
    unsigned = text[-1] in "uU"
    body = text[:-1] if unsigned else text
    if body.lower().startswith("0x"):
        return int(body, 16)
    if any(c in body for c in ".eE"):
        return float(body)
    return int(body)


def _string(text: str) -> str:
    raw = "r" in text[:3].lower()
    body = text.lstrip("rRbB")
    if raw:
        quote = 3 if body[:3] in ('"""', "'''") else 1
        return body[quote:-quote]
    try:
        value = ast.literal_eval(body)  # CEL's escapes are Python's for strings
    except (SyntaxError, ValueError) as exc:
        raise CelSyntaxError(f"bad string literal {text!r}") from exc
    return value.decode() if isinstance(value, bytes) else str(value)
