"""``_server.cel``: the bridge between Inngest's expressions and cel-rust.

What the bridge promises whatever the evaluation rules: an expression is compiled once,
when it is made, and a bad one is refused there, naming where it came from; ``evaluate``
hands back a value or None, never raises; ``matches`` is true only for ``true``; event
numbers reach the expression as Go decodes JSON numbers, and the event is not changed.
The server's answers to particular expressions are held by
``tests/sim/test_expressions_inngest.py``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from inngest_sim import InvalidArgument
from inngest_sim._server.cel import Expression, json_numbers

EVENT = {"name": "app/signup", "data": {"n": 1, "plan": "pro", "tags": ["a", "b"]}}


def test_a_bad_expression_is_refused_when_made_naming_where_and_what() -> None:
    with pytest.raises(InvalidArgument) as caught:
        Expression("event.data ==", where="fn 'signup' concurrency key")
    message = str(caught.value)
    assert message.startswith("fn 'signup' concurrency key: the expression 'event.data =='")
    assert "does not parse as CEL" in message
    assert "\n" not in message  # cel's first line only, not its caret drawing
    assert isinstance(caught.value.__cause__, ValueError)


def test_an_expression_keeps_its_source_and_says_it() -> None:
    expression = Expression("event.data.plan == 'pro'", where="test")
    assert expression.source == "event.data.plan == 'pro'"
    assert repr(expression) == "Expression(\"event.data.plan == 'pro'\")"


def test_one_expression_answers_each_set_of_variables_on_its_own() -> None:
    expression = Expression("event.data.plan == 'pro'", where="test")
    answers = [
        expression.evaluate({"event": {"data": {"plan": plan}}}) for plan in ("pro", "free", "pro")
    ]
    assert answers == [True, False, True]


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("event.name", "app/signup"),
        ("event.data.tags", ["a", "b"]),
        ("event.data.n", 1.0),
        ("size(event.data.tags)", 2),
        ("event.data.plan == 'pro'", True),
    ],
)
def test_evaluate_hands_back_the_value(source: str, value: Any) -> None:
    assert Expression(source, where="test").evaluate({"event": EVENT}) == value


@pytest.mark.parametrize("source", ['int("abc")', "[1][5]"])
def test_an_expression_that_errors_gives_none_rather_than_raising(source: str) -> None:
    assert Expression(source, where="test").evaluate({}) is None
    assert Expression(source, where="test").matches({}) is False


@pytest.mark.parametrize(
    ("source", "matches"),
    [
        ("event.data.plan == 'pro'", True),
        ("event.data.plan == 'free'", False),
        ("event.data.n", False),  # 1.0 is not true
        ("event.data.plan", False),  # a non-empty string is not true
        ("event.data.tags", False),
    ],
)
def test_matches_is_true_only_for_true(source: str, matches: bool) -> None:
    assert Expression(source, where="test").matches({"event": EVENT}) is matches


def test_event_numbers_arrive_as_doubles_and_the_event_is_left_as_it_was() -> None:
    event = {"data": {"n": 1, "nested": {"list": [1, 2.5, True]}}}
    value = Expression("event.data.nested.list", where="test").evaluate({"event": event})
    assert value == [1.0, 2.5, True]
    assert [type(v) for v in value] == [float, float, bool]
    assert event == {"data": {"n": 1, "nested": {"list": [1, 2.5, True]}}}
    assert type(event["data"]["n"]) is int


def test_json_numbers_turns_every_int_into_a_float_and_nothing_else() -> None:
    assert json_numbers({"a": 1, "b": [2, {"c": 3}], "d": (4,)}) == {
        "a": 1.0,
        "b": [2.0, {"c": 3.0}],
        "d": [4.0],
    }
    converted = json_numbers({"a": [1, 2]})
    assert type(converted["a"][0]) is float
    for same in (True, False, None, "7", 1.5, b"x"):
        assert json_numbers(same) is same  # bools are not ints here, as in JSON


def test_json_numbers_hands_back_the_value_itself_when_it_holds_no_int() -> None:
    value = {"a": "x", "b": [1.5, None, {"c": True}]}
    assert json_numbers(value) is value  # no copy for an event without ints


def test_loading_the_bridge_does_not_load_cel_until_an_expression_is_made() -> None:
    # `inngest-sim dev` starts faster for it: the cel package loads its command line too.
    code = (
        "import sys; import inngest_sim._server.cel as bridge; "
        "print('cel' in sys.modules); bridge.Expression('1 == 1', where='x'); "
        "print('cel' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.split() == ["False", "True"]
