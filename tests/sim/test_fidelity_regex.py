"""``matches`` and string literals in expressions, as the Inngest server evaluates them.

Each expected value is what ``inngest dev`` (built from github.com/inngest/inngest) did with
the same functions: cel-go's ``matches`` is Go's RE2 ``regexp`` (a pattern it refuses is an
error, so a trigger never fires and a wait never matches), literals are lifted out raw
(github.com/inngest/expr ``lift.go``: ``"\\\\d"`` is the two characters ``\\\\d``), and a
``cancelOn`` ``if`` may not call functions (``pkg/expressions/validation.go``).
"""

from __future__ import annotations

import datetime as dt
import sys

import inngest
import pytest

from inngest_sim import InvalidArgument, Simulator
from inngest_sim._server import cel_regex
from inngest_sim._server.cel import Expression

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LONG = "a" * 30 + "b"

# Trigger `if: event.data.s.matches(<CEL literal>)`, one function each, all synced by the
# Go server; which of the strings sent started a run there (pkg/expressions/expressions.go
# evaluates the lifted expression; an error in it is logged, "error parsing regexp"). There,
# "12" and "\d" went to the escaped-digit function only; the others' answers for those two
# follow from the patterns.
PATTERNS = {
    "backreference": (r'"(a)\\1"', ["a\\1"]),  # raw: a, backslash, 1; never a backreference
    "lookahead": ('"(?=a)a"', []),  # invalid or unsupported Perl syntax: `(?=`
    "lookbehind": ('"(?<!x)a"', []),  # invalid named capture
    "end of text": (r'"a\\z"', ["a\\z"]),  # raw: a, backslash, z
    "capital Z": (r'"a\\Z"', ["a\\Z"]),
    "named, Python style": ('"(?P<n>a)"', ["a", "aa", LONG, "a\\z", "a\\1", "a\\Z"]),
    "named, Go 1.22 style": ('"(?<n>a)"', ["a", "aa", LONG, "a\\z", "a\\1", "a\\Z"]),
    "POSIX class": ('"[[:alpha:]]"', ["a", "aa", LONG, "a\\z", "a\\1", "a\\Z", "\\d"]),
    "repeat past 1000": ('"a{1001}"', []),  # invalid repeat count
    "unclosed": ('"("', []),  # missing closing )
    "nested plus": ('"(a+)+$"', ["a", "aa"]),  # linear time: LONG is simply no match
    "anchored": ('"^a+b$"', [LONG]),
    "escaped digit": (r'"^\\d+$"', ["\\d"]),  # raw: backslash, then d+; "12" does not match
}


async def _start(client: inngest.Inngest, fn: inngest.Function) -> None:
    async with Simulator(client, [fn], start=START):  # the functions are synced on entry
        pass


SENT = ["a", "aa", LONG, "a\\z", "a\\1", "a\\Z", "12", "\\d"]


def _functions(client: inngest.Inngest) -> dict[str, inngest.Function]:
    functions = {}
    for index, (label, (literal, _)) in enumerate(PATTERNS.items()):

        @client.create_function(
            fn_id=f"p{index}",
            trigger=inngest.TriggerEvent(
                event="app/re", expression=f"event.data.s.matches({literal})"
            ),
        )
        async def fn(ctx: inngest.Context) -> object:
            return ctx.event.data["s"]

        functions[label] = fn
    return functions


async def test_trigger_ifs_match_as_on_the_server(client: inngest.Inngest) -> None:
    functions = _functions(client)
    async with Simulator(client, list(functions.values()), start=START) as sim:
        await sim.send([{"name": "app/re", "data": {"s": s}} for s in SENT])
        await sim.settle()
        ran: dict[str, set[str]] = {}
        for run in sim.runs:
            ran.setdefault(run.function_id, set()).add(str(run.output))

    for label, fn in functions.items():
        expected = set(PATTERNS[label][1])
        assert ran.get(fn.id, set()) == expected, label


def test_a_pathological_pattern_evaluates_in_linear_time() -> None:
    # Under Python's backtracking `re` this takes 2**30 steps (hours): the missing field makes
    # cel-rust fail, so the lenient evaluator runs `matches` too; both are RE2 now.
    for source in (
        'event.data.s.matches("(a+)+$")',
        'event.data.missing != "x" && event.data.s.matches("(a+)+$")',
        '("" + event.data.s + event.data.n).matches("(a+)+$")',
    ):
        value = Expression(source, where="test").evaluate({"event": {"data": {"s": LONG, "n": 1}}})
        assert value is False, source


def test_string_literals_are_raw_as_the_server_lifts_them() -> None:
    # Seen: a trigger `event.data.s == "a\\b"` ran for the event whose s was a\\b (four
    # characters), not for a\b.
    expression = Expression(r'event.data.s == "a\\b"', where="test")
    assert expression.matches({"event": {"data": {"s": "a\\\\b"}}})
    assert not expression.matches({"event": {"data": {"s": "a\\b"}}})
    quoted = Expression(r'event.data.s == "say \"hi\""', where="test")
    assert quoted.matches({"event": {"data": {"s": 'say \\"hi\\"'}}})


async def test_a_single_backslash_is_refused_at_sync(client: inngest.Inngest) -> None:
    # Seen: `event.data.s.matches("^\d+$")` failed the sync ("invalid trigger expression on
    # 'u/re2': error compiling expression: ... Syntax error: token recognition error at: '"^\d'").
    @client.create_function(
        fn_id="digits",
        trigger=inngest.TriggerEvent(event="app/re", expression=r'event.data.s.matches("^\d+$")'),
    )
    async def digits(ctx: inngest.Context) -> None:
        return None

    with pytest.raises(InvalidArgument, match="does not parse as CEL"):
        await _start(client, digits)


@pytest.mark.parametrize(
    ("condition", "refused"),
    [
        ('async.data.s.matches("^a+b$")', "function calls are disallowed (uses 'matches')"),
        ("async.data.n + 1 > 2", "function calls are disallowed (uses '_+_')"),
        ("has(async.data.x)", "macros are disallowed (uses 'has')"),
        ("size(async.data.l) > 0", "function calls are disallowed (uses 'size')"),
        ("-async.data.n < 0", "function calls are disallowed (uses '-_')"),
        ("async.data.id == event.data.id && async.data.n > -1", None),
        ('"a" in async.data.tags', None),
        ("int(async.data.n) == 1", None),
    ],
)
async def test_a_cancel_if_may_only_compare_and_combine(
    client: inngest.Inngest, condition: str, refused: str | None
) -> None:
    # Seen for each: the sync failed (SDK: 400 "At least one function is invalid"; the log:
    # "Cancellation expression is invalid: validation failed: ... <the problem>"), or passed.
    @client.create_function(
        fn_id="cancellable",
        trigger=inngest.TriggerEvent(event="app/start"),
        cancel=[inngest.Cancel(event="app/stop", if_exp=condition)],
    )
    async def cancellable(ctx: inngest.Context) -> None:
        return None

    if refused is None:
        await _start(client, cancellable)
        return
    with pytest.raises(InvalidArgument) as caught:
        await _start(client, cancellable)
    assert "Cancellation expression is invalid: validation failed: " + refused in str(caught.value)


async def test_a_wait_if_with_a_pattern_go_refuses_never_matches(client: inngest.Inngest) -> None:
    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="app/wait"))
    async def waiter(ctx: inngest.Context) -> object:
        got = await ctx.step.wait_for_event(
            "w",
            event="app/reply",
            if_exp=ctx.event.data["cond"],
            timeout=dt.timedelta(seconds=15),
        )
        return None if got is None else got.data["s"]

    # Seen: the lookahead wait got null at its timeout (the server only logged "waitForEvent
    # If expression failed validation"); the raw `(a)\\1` matched the reply a\1.
    async with Simulator(client, [waiter], start=START) as sim:
        with sim.hold_time():
            await sim.send(
                [
                    {"name": "app/wait", "data": {"cond": 'async.data.s.matches("(?=a)a")'}},
                    {"name": "app/wait", "data": {"cond": r'async.data.s.matches("(a)\\1")'}},
                ]
            )
            await sim.settle()
            await sim.send([{"name": "app/reply", "data": {"s": s}} for s in ("a", "aa", "a\\1")])
        await sim.settle()
        outputs = sorted(str(run.output) for run in sim.runs)

    assert outputs == ["None", "a\\1"]


def test_without_re2_an_expression_using_matches_is_refused_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "re2", None)  # as if google-re2 had no wheel here
    cel_regex._engine.cache_clear()
    try:
        with pytest.raises(InvalidArgument) as caught:
            Expression('event.data.s.matches("^a")', where="function 'f' trigger")
        Expression('event.data.s == "matches(x)"', where="no regex, no RE2 needed")
    finally:
        monkeypatch.undo()
        cel_regex._engine.cache_clear()

    assert "function 'f' trigger: the expression" in str(caught.value)
    assert "uses matches() needs RE2" in str(caught.value)
    assert "pip install 'inngest-sim[re2]'" in str(caught.value)
    assert cel_regex.unavailable_reason() is None  # installed again


def test_go_refuses_backslash_c_which_google_re2_takes() -> None:
    # Go's regexp/syntax: "invalid escape sequence: `\C`" (read from its source); the only
    # RE2 syntax Google's library takes and Go's does not.
    with pytest.raises(cel_regex.RegexError, match="invalid escape sequence"):
        cel_regex.search("a", "\\C")
    assert cel_regex.search("\\C", "\\Q\\C\\E")  # quoted, it is the two characters
    assert not cel_regex.search("٣", "\\d")  # \d is ASCII in RE2 (Rust's regex: Unicode)
