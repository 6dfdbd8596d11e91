"""``matches`` as the Inngest server evaluates it: Go's RE2 regular expressions.

cel-go's ``matches`` is Go's ``regexp.MatchString`` (RE2 syntax, linear time on any input):
no backreferences or lookarounds (a pattern with one is an error, so the expression has no
value), a repeat count of at most 1000, ``\\d``, ``\\w``, ``\\s`` and ``\\b`` ASCII only. Python's
``re`` backtracks (``(a+)+$`` against thirty ``a``s and a ``b`` takes hours) and takes what
Go refuses; cel-rust's Rust ``regex`` is linear but Unicode-aware and unbounded in repeats.
So every ``matches`` (cel-rust's and the lenient evaluator's) is this function, over Google's
RE2 (the ``google-re2`` package, the ``re2`` extra). One difference between Google's RE2
and Go's is closed here: Go refuses ``\\C`` (any byte), RE2 takes it.

Without ``google-re2`` (a platform with no wheel for it) an expression that uses ``matches``
is refused when it is compiled, naming the extra: never evaluated by another engine.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["RegexError", "RegexUnavailable", "search", "unavailable_reason"]

INSTALL = "pip install 'inngest-sim[re2]'"


class RegexError(ValueError):
    """A pattern Go's ``regexp`` refuses (the expression then has no value)."""


class RegexUnavailable(RuntimeError):
    """``google-re2`` is not installed."""


def unavailable_reason() -> str | None:
    """Why ``matches`` cannot be evaluated here (``google-re2`` missing), or None."""
    try:
        _engine()
    except RegexUnavailable as exc:
        return str(exc)
    return None


@functools.cache
def _engine() -> tuple[Any, Any]:
    try:
        import re2
    except ImportError as exc:
        raise RegexUnavailable(
            "matches() needs RE2, the regular expressions the Inngest server evaluates "
            "(linear time, no backreferences or lookarounds), from the google-re2 package: "
            f"{INSTALL} (it has wheels for CPython on Linux with glibc 2.28+, macOS 13+ and "
            "Windows)"
        ) from exc
    options = re2.Options()
    options.log_errors = False  # a refused pattern is an answer here, not a log line
    return re2, options


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> Callable[[str], Any]:
    re2, options = _engine()
    _refuse_what_go_refuses(pattern)
    try:
        return re2.compile(pattern, options).search  # type: ignore[no-any-return]
    except re2.error as exc:
        raise RegexError(f"error parsing regexp: {exc}") from None


def _refuse_what_go_refuses(pattern: str) -> None:
    """Go's regexp/syntax has no ``\\C``; Google's RE2 has (outside ``\\Q...\\E``)."""
    index, quoted = 0, False
    while index < len(pattern) - 1:
        pair = pattern[index : index + 2]
        if quoted:
            quoted = pair != "\\E"
            index += 2 if not quoted else 1
            continue
        if pair == "\\Q":
            quoted = True
        elif pair == "\\C":
            raise RegexError("error parsing regexp: invalid escape sequence: `\\C`")
        index += 2 if pair[0] == "\\" else 1


def search(text: str, pattern: str) -> bool:
    """``text.matches(pattern)``: whether RE2 finds ``pattern`` anywhere in ``text``.

    Raises ``RegexError`` for a pattern Go refuses, ``RegexUnavailable`` without RE2.
    """
    return _compiled(pattern)(text) is not None
