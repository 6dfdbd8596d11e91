"""String literals as the Inngest server evaluates them: lifted out raw, escapes kept.

Before evaluating an expression the server lifts every quoted literal into a variable
(``vars.a``, ``vars.b``...: ``liftLiterals`` in github.com/inngest/expr ``lift.go``, used by
``pkg/expressions/expressions.go`` NewExpressionEvaluator and by the pause evaluator of
``waitForEvent`` and ``cancelOn``), and the variable's value is the text between the quotes
as written: a backslash escape is skipped over, not decoded. So ``"a\\\\b"`` is the four
characters ``a\\\\b`` there, and the regular expression ``"^\\\\d+$"`` matches a backslash
followed by ``d``s, not digits. Seen on the server: a trigger ``if`` of
``event.data.s.matches("^\\\\d+$")`` ran for ``\\d`` and not for ``12``, and ``event.data.s ==
"a\\\\b"`` ran for ``a\\\\b``, not ``a\\b``. (A single backslash, ``"\\d"``, is not CEL: the sync
check, which does not lift, refuses it.)

The lifted expression and its variables are what the simulator evaluates; the expression as
written is what it checks at sync, as the server does.
"""

from __future__ import annotations

import json
import string

__all__ = ["lift_literals"]

VAR_PREFIX = "vars"
_LETTERS = string.ascii_lowercase  # lift.go's replace: a to z, then literals stay inline


def lift_literals(source: str) -> tuple[str, dict[str, str]]:
    """``source`` with its string literals replaced by ``vars.<letter>``, and their raw
    values; ``source`` unchanged when it mentions ``vars.`` (lift.go never lifts twice)."""
    if VAR_PREFIX + "." in source:
        return source, {}
    out: list[str] = []
    lifted: dict[str, str] = {}
    index, comment = 0, False
    while index < len(source):
        char = source[index]
        index += 1
        if comment:
            if char != "\n":
                continue
            comment = False
        if char == "/" and source[index : index + 1] == "/":
            comment = True
            continue
        if char not in "\"'":
            out.append(char)
            continue
        raw, index = _consume_string(source, index, char)
        if len(lifted) < len(_LETTERS):
            letter = _LETTERS[len(lifted)]
            lifted[letter] = raw
            out.append(f"{VAR_PREFIX}.{letter}")
        else:  # past z: written back quoted, its value still the raw text (strconv.Quote)
            out.append(json.dumps(raw, ensure_ascii=False))
    return "".join(out).strip(), lifted


def _consume_string(source: str, index: int, quote: str) -> tuple[str, int]:
    """The raw text of the literal opened just before ``index``, and where it ends."""
    start = index
    while index < len(source):
        char = source[index]
        if char == "\\" and index + 1 < len(source):
            index += 2  # an escape: skipped over, kept as written
            continue
        if char == quote:
            return source[start:index], index + 1
        index += 1
    # Unterminated (the sync check refuses it): lift.go takes the rest, less a last quote.
    raw = source[start:]
    return (raw[:-1] if raw.endswith(quote) else raw), index
