"""Expressions as the Inngest server evaluates them: missing fields are null-like.

The cases are the server's own, copied from ``pkg/expressions/unknown_test.go``
(TestHandleUnknownCall, TestNullTypeHandling, TestTruthyLogicalCoercion,
TestMacrosWithUnknowns: the decorator in ``pkg/expressions/unknown.go`` decides them).
Plain CEL (cel-rust) has no answer for most of them; the simulator gave None (false).
"""

from __future__ import annotations

from typing import Any

import cel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inngest_sim._errors import InvalidArgument
from inngest_sim._server.cel import Expression, json_numbers
from inngest_sim._server.cel_inngest import ERROR, evaluate
from inngest_sim._server.cel_syntax import parse

# (name, expression, variables, what the server's Evaluate returns)
SERVER_CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("unknown == string → false", 'event.data.missing == "foo"', {"event": {"data": {}}}, False),
    (
        "unknown == null → true (unknown treated as null)",
        "event.data.missing == null",
        {"event": {"data": {}}},
        True,
    ),
    (
        "unknown == 0 → false (unknown is not null literal)",
        "event.data.missing == 0",
        {"event": {"data": {}}},
        False,
    ),
    (
        "unknown == unknown → false (neither is null literal)",
        "event.data.a == event.data.b",
        {"event": {"data": {}}},
        False,
    ),
    ("unknown != string → true", 'event.data.missing != "foo"', {"event": {"data": {}}}, True),
    (
        "unknown != null → false (unknown is null)",
        "event.data.missing != null",
        {"event": {"data": {}}},
        False,
    ),
    (
        "unknown != 0 → true (zero value does not equal unknown)",
        "event.data.missing != 0",
        {"event": {"data": {}}},
        True,
    ),
    ('unknown != "" → true', 'event.data.missing != ""', {"event": {"data": {}}}, True),
    ("unknown LHS: unknown < 5 → true", "event.data.missing < 5", {"event": {"data": {}}}, True),
    ("unknown LHS: unknown <= 5 → true", "event.data.missing <= 5", {"event": {"data": {}}}, True),
    ("known LHS: 5 < unknown → false", "5 < event.data.missing", {"event": {"data": {}}}, False),
    ("known LHS: 5 <= unknown → false", "5 <= event.data.missing", {"event": {"data": {}}}, False),
    (
        "known field > unknown → true",
        "event.data.n > event.data.missing",
        {"event": {"data": {"n": 2}}},
        True,
    ),
    ("unknown LHS: unknown > 5 → false", "event.data.missing > 5", {"event": {"data": {}}}, False),
    (
        "unknown LHS: unknown >= 5 → false",
        "event.data.missing >= 5",
        {"event": {"data": {}}},
        False,
    ),
    ("known LHS: 5 > unknown → true", "5 > event.data.missing", {"event": {"data": {}}}, True),
    ("known LHS: 5 >= unknown → true", "5 >= event.data.missing", {"event": {"data": {}}}, True),
    (
        "known + unknown → known (lhs preserved)",
        "event.data.name + event.data.missing",
        {"event": {"data": {"name": "hello"}}},
        "hello",
    ),
    (
        "unknown + known → known (rhs preserved when lhs missing)",
        "event.data.missing + event.data.name",
        {"event": {"data": {"name": "hello"}}},
        "hello",
    ),
    ("unknown + unknown → false", "event.data.a + event.data.b", {"event": {"data": {}}}, False),
    ("size(unknown) returns 0", "size(event.data.missing)", {"event": {"data": {}}}, 0),
    ("size(unknown) > 0 → false", "size(event.data.missing) > 0", {"event": {"data": {}}}, False),
    ("size(unknown) == 0 → true", "size(event.data.missing) == 0", {"event": {"data": {}}}, True),
    (
        "unknown in list → false",
        'event.data.missing in ["a", "b", "c"]',
        {"event": {"data": {}}},
        False,
    ),
    ("null == string → false", 'null == "foo"', {}, False),
    ("string == null → false", '"foo" == null', {}, False),
    ("null != string → true", 'null != "foo"', {}, True),
    ("string != null → true", '"foo" != null', {}, True),
    ('null < "foo" → true (null coerced to empty string)', 'null < "foo"', {}, True),
    ('foo" < null → false (null coerced to empty string)', '"foo" < null', {}, False),
    ("null < uint(5) → true (null coerced to uint 0)", "null < uint(5)", {}, True),
    ("null < 5 → true (null coerced to 0)", "null < 5", {}, True),
    ("5 < null → false (null coerced to 0)", "5 < null", {}, False),
    ("null > 0 → false (null coerced to 0)", "null > 0", {}, False),
    ("5 > null → true (null coerced to 0)", "5 > null", {}, True),
    ("null <= 0 → true (null coerced to 0)", "null <= 0", {}, True),
    ("null >= 1 → false (null coerced to 0)", "null >= 1", {}, False),
    ("null < 0.5 → true (null coerced to 0.0)", "null < 0.5", {}, True),
    (
        "float field > null → true",
        "event.data.float > null",
        {"event": {"data": {"float": 3.141}}},
        True,
    ),
    ("int field > null → true", "event.data.n > null", {"event": {"data": {"n": 8}}}, True),
    (
        "float field <= null → false",
        "event.data.float <= null",
        {"event": {"data": {"float": 3.141}}},
        False,
    ),
    (
        "OR both truthy strings → returns first",
        "event.data.a || event.data.b",
        {"event": {"data": {"a": "first", "b": "second"}}},
        "first",
    ),
    (
        "OR empty string (falsy) || truthy string → returns second",
        "event.data.a || event.data.b",
        {"event": {"data": {"a": "", "b": "second"}}},
        "second",
    ),
    (
        "OR missing || truthy → returns truthy",
        "event.data.missing || event.data.b",
        {"event": {"data": {"b": "found"}}},
        "found",
    ),
    (
        "OR truthy || missing → returns truthy (lhs short-circuits)",
        "event.data.a || event.data.missing",
        {"event": {"data": {"a": "found"}}},
        "found",
    ),
    (
        "OR both missing → false (last unknown is falsy)",
        "event.data.a || event.data.b",
        {"event": {"data": {}}},
        False,
    ),
    (
        "OR int 0 (falsy) || string → returns string",
        "event.data.zero || event.data.name",
        {"event": {"data": {"zero": 0, "name": "hi"}}},
        "hi",
    ),
    (
        "OR null (falsy) || string → returns string",
        "null || event.data.b",
        {"event": {"data": {"b": "fallback"}}},
        "fallback",
    ),
    (
        "OR double 3.14 (truthy) || false → returns 3.14",
        "event.data.f || false",
        {"event": {"data": {"f": 3.14}}},
        3.14,
    ),
    (
        "OR double 0.0 (falsy) || string → returns string",
        "event.data.f || event.data.b",
        {"event": {"data": {"f": 0.0, "b": "yes"}}},
        "yes",
    ),
    (
        "OR non-empty list (truthy default branch) || false → returns list",
        "false || event.data.list",
        {"event": {"data": {"list": ["a"]}}},
        ["a"],
    ),
    ("OR uint(5) (truthy) || false → returns uint 5", "uint(5) || false", {}, 5),
    (
        "OR uint(0) (falsy) || string → returns string",
        "uint(0) || event.data.b",
        {"event": {"data": {"b": "yes"}}},
        "yes",
    ),
    (
        "OR bool false || bool true → true",
        "event.data.flagA || event.data.flagB",
        {"event": {"data": {"flagA": False, "flagB": True}}},
        True,
    ),
    (
        "OR bool false || bool false → false",
        "event.data.flagA || event.data.flagB",
        {"event": {"data": {"flagA": False, "flagB": False}}},
        False,
    ),
    (
        "OR bool true || bool false → true",
        "event.data.flagA || event.data.flagB",
        {"event": {"data": {"flagA": True, "flagB": False}}},
        True,
    ),
    (
        "AND both truthy strings → returns last",
        "event.data.a && event.data.b",
        {"event": {"data": {"a": "first", "b": "second"}}},
        "second",
    ),
    (
        "AND empty string (falsy) && truthy → returns empty string",
        "event.data.a && event.data.b",
        {"event": {"data": {"a": "", "b": "second"}}},
        "",
    ),
    (
        "AND truthy && empty string → returns empty string",
        "event.data.a && event.data.b",
        {"event": {"data": {"a": "first", "b": ""}}},
        "",
    ),
    (
        "AND missing (falsy) && truthy → returns false",
        "event.data.missing && event.data.b",
        {"event": {"data": {"b": "second"}}},
        False,
    ),
    (
        "AND bool true && bool false → false",
        "event.data.flagA && event.data.flagB",
        {"event": {"data": {"flagA": True, "flagB": False}}},
        False,
    ),
    (
        "AND bool true && bool true → true",
        "event.data.flagA && event.data.flagB",
        {"event": {"data": {"flagA": True, "flagB": True}}},
        True,
    ),
    (
        "exists on real list with matching element → true",
        'event.data.tags.exists(x, x == "a")',
        {"event": {"data": {"tags": ["a", "b", "c"]}}},
        True,
    ),
    (
        "exists on real list with no matching element → false",
        'event.data.tags.exists(x, x == "z")',
        {"event": {"data": {"tags": ["a", "b", "c"]}}},
        False,
    ),
    (
        "exists on real list with OR inside lambda → true",
        'event.data.tags.exists(x, x == "d" || x == "a")',
        {"event": {"data": {"tags": ["a", "b", "c"]}}},
        True,
    ),
    (
        "exists on unknown field → false",
        'event.nonexistent.exists(x, x == "a")',
        {"event": {"data": {}}},
        False,
    ),
    (
        "all on real list all matching → true",
        "event.data.nums.all(x, x > 0)",
        {"event": {"data": {"nums": [1, 2, 3]}}},
        True,
    ),
    (
        "all on real list not all matching → false",
        "event.data.nums.all(x, x > 1)",
        {"event": {"data": {"nums": [1, 2, 3]}}},
        False,
    ),
    (
        "contains on unknown nested field → false",
        'event.data.some.unknown.contains("x")',
        {"event": {"data": {}}},
        False,
    ),
    (
        "in operator with unknown field → false",
        'event.data.nonexistent in ["LOL", "Issue", "Epic"]',
        {"event": {"data": {"issue": "Bug"}}},
        False,
    ),
]


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        pytest.param(src, variables, expected, id=name)
        for name, src, variables, expected in SERVER_CASES
    ],
)
def test_the_servers_own_cases(source: str, variables: dict[str, Any], expected: Any) -> None:
    refused = REFUSED_AT_SYNC.get(source)
    if refused is None:
        value = Expression(source, where="test").evaluate(variables)
    else:
        # The Go test evaluates without the sync check; a sync refuses these (seen on the
        # real server), so the value is the evaluator's.
        with pytest.raises(InvalidArgument, match=refused):
            Expression(source, where="test")
        value = evaluate(parse(source), json_numbers(variables))
    assert value == expected
    assert isinstance(value, bool) == isinstance(expected, bool)


# Seen on the real server at sync: "expected type 'bool' but found 'null'" / "'uint'".
REFUSED_AT_SYNC = {
    "null || event.data.b": "expected type 'bool' but found 'null'",
    "uint(5) || false": "expected type 'bool' but found 'uint'",
    "uint(0) || event.data.b": "expected type 'bool' but found 'uint'",
}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('event.data.a || "anon"', "expected type 'bool' but found 'string'"),
        ('size(event.data.a) > 0 && "x"', "expected type 'bool' but found 'string'"),
        ('!"x"', r"found no matching overload for '!_' applied to '\(string\)'"),
        ('-"x"', r"found no matching overload for '-_' applied to '\(string\)'"),
        (
            '"x" ? 1 : 2',
            r"found no matching overload for '_\?_:_' applied to '\(string, int, int\)'",
        ),
        ("size(1)", r"found no matching overload for 'size' applied to '\(int\)'"),
    ],
)
def test_what_the_servers_type_check_refuses_at_sync(source: str, message: str) -> None:
    # pkg/expressions/validation.go Validate (cel-go's checker); each refused on the real server.
    with pytest.raises(InvalidArgument, match=f"does not type-check: {message}"):
        Expression(source, where="function 'f' trigger")


@pytest.mark.parametrize(
    "source",
    ['1 + "a"', "1 + 2.0", '1 == "a"', '[1, "a"].exists(x, x || true)', 'event.data.a + "x" == 1'],
)
def test_what_the_servers_type_check_lets_through(source: str) -> None:
    # Each synced on the real server: dynamic values, or an overload Inngest's evaluator has.
    Expression(source, where="test")


EVENT = {"name": "app/signup", "data": {"id": 42, "ratio": 1.5, "plan": "pro", "tags": ["a"]}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # unknown.go: two known types whose plain call fails; `+` concatenates with %v.
        ('"user-" + event.data.id', "user-42"),
        ('event.data.id + "-x"', "42-x"),
        ('"r" + event.data.ratio', "r1.5"),
        # Event numbers are float64 (encoding/json): a double beside an int literal.
        ("event.data.id == 42", True),
        ("event.data.id > 41.5", True),
        # Seen on the real server: a trigger `event.data.n + 1 == "21"` fired for n = 2.
        ("event.data.id + 1", "421"),
        ("int(event.data.id) + 1", 43),
        # A missing field's parent is missing too: still null-like.
        ("event.data.user.email == null", True),
        ('event.data.user.email != "a@b.c"', True),
        ("has(event.data.plan) && event.data.plan == 'pro'", True),
        ("event.data.tags.exists(t, t == 'a')", True),
        # A top-level unknown is `false, nil` (cel.go eval).
        ("event.data.missing", False),
    ],
)
def test_mixed_types_and_json_numbers(source: str, expected: Any) -> None:
    assert Expression(source, where="test").evaluate({"event": EVENT}) == expected


def test_a_value_the_server_cannot_compute_is_none() -> None:
    assert Expression('int("abc")', where="test").evaluate({}) is None
    assert Expression("[1][5]", where="test").evaluate({}) is None


_INT64_EDGES = [0, 1, -1, 2, -7, 7, 2**53 + 1, 2**62, -(2**62), 2**63 - 1]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_INT64_EDGES) | st.integers(-(2**63) + 1, 2**63 - 1),
    st.sampled_from(["+", "-", "*", "/", "%"]),
    st.sampled_from(_INT64_EDGES) | st.integers(-1000, 1000),
)
def test_int_arithmetic_is_plain_cels_where_it_has_an_answer(a: int, op: str, b: int) -> None:
    # The server's decorator only steps in on an error: over int literals, its evaluator
    # gives what plain CEL gives (cel-go: truncated division, the dividend's sign for `%`,
    # an int64 overflow an error), cel-rust standing in for cel-go.
    source = f"({a}) {op} ({b})"
    try:
        plain: Any = cel.compile(source).execute({})
    except Exception:  # cel-rust raises several types for an error: any of them is "none"
        plain = None
    value = evaluate(parse(source), {})
    assert (None if value is ERROR else value) == plain
    assert type(None if value is ERROR else value) is type(plain)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A missing field sends the whole expression to the server's rules; the rest of
        # it is still CEL: int `%` is an int, int `/` exact past 2**53.
        ("event.data.missing == null && 7 % 2 + 1 == 2", True),
        ("event.data.missing == null && 9007199254740993 / 1 == 9007199254740993", True),
        # cel-go: no `%` for doubles, int64 overflow and a bad int() are errors...
        ("event.data.missing == null ? 5.0 % 2.0 : 0", None),
        ("event.data.missing == null ? 9223372036854775807 + 1 : 0", None),
        ('event.data.missing == null ? int("1_0") : 0', None),
        ("event.data.missing == null ? int(1e300) : 0", None),
        # ...and a double divided by zero is Go's infinity.
        ("event.data.missing == null ? -1.0 / 0.0 : 0", float("-inf")),
    ],
)
def test_arithmetic_under_the_servers_rules_is_cel_gos(source: str, expected: Any) -> None:
    assert Expression(source, where="test").evaluate({"event": {"data": {}}}) == expected


def test_an_int_past_float64_in_an_event_is_an_infinity_not_a_raise() -> None:
    # json_numbers made every int a float with float(), which raised OverflowError out of
    # every expression (a trigger's `if`, a wait's, a key) for an event holding 10**400.
    huge = {"event": {"data": {"n": 10**400, "m": -(10**400)}}}
    assert Expression("event.data.n > 1.0", where="test").evaluate(huge) is True
    assert Expression("event.data.m < 1.0", where="test").evaluate(huge) is True


def test_an_expression_too_deep_for_the_reader_is_left_to_cel_rust() -> None:
    # 3,000 terms: cel-rust parses and evaluates it; Inngest's rules (a missing field) would
    # recurse deeper than Python's stack, so that case has no value instead of raising.
    deep = Expression(" + ".join(["event.data.x"] * 3000), where="test")
    assert deep.evaluate({"event": {"data": {}}}) is None
    assert deep.evaluate({"event": {"data": {"x": 1}}}) == 3000.0


def test_the_event_given_is_not_changed() -> None:
    event = {"name": "a", "data": {"n": 1, "list": [1, 2]}}
    Expression("event.data.n + 1", where="test").evaluate({"event": event})
    assert event == {"name": "a", "data": {"n": 1, "list": [1, 2]}}
    assert isinstance(event["data"]["n"], int)


_ATOMS = st.sampled_from(
    [
        "event.data.a",
        "event.data.missing",
        "event.data.l",
        "event.data.m",
        "event.data.m.k",
        "1",
        "2.5",
        '"x"',
        "null",
        "true",
        "[1, 2]",
        "{'k': 1}",
        "event.data.l[0]",
        "event",
    ]
)
_EXPRESSIONS = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.tuples(
            inner,
            st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "in", "||", "&&"]),
            inner,
        ).map(" ".join),
        inner.map(lambda e: f"!({e})"),
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"size({e})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]}) ? 1 : ({p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]})[{p[1]}]"),
        inner.map(lambda e: f"[1, 2].exists(x, x == ({e}))"),
        inner.map(lambda e: f"({e}).startsWith('a')"),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(_EXPRESSIONS)
def test_no_expression_escapes_as_a_raw_exception(source: str) -> None:
    # Refused at sync with InvalidArgument, or evaluated to a value or None: never a raw error.
    try:
        expression = Expression(source, where="test")
    except InvalidArgument:
        return
    data = {"a": 3, "l": [1, "b"], "m": {"k": None}}
    expression.evaluate({"event": {"name": "app/x", "data": data}})
