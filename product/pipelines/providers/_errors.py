"""Turning provider answers into classified `MediaGenerationError`s, with secrets scrubbed.

The official clients (``openai``, ``replicate``) raise their own exception types; the
providers map them here to one `ErrorCode` per failure, read the delay a provider asked for
(``Retry-After``, OpenAI's ``retry-after-ms`` and ``x-ratelimit-reset-*``, Replicate's
"Expected available in N seconds" body), and raise ``from None``: the original exception
(and its traceback, which Inngest records) could carry request headers.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from typing import TYPE_CHECKING

from pipelines.errors import ErrorCode, MediaGenerationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Secret",
    "classify_status",
    "looks_like_policy_refusal",
    "parse_duration",
    "parse_retry_after",
    "rate_limit_delay",
    "replicate_body_delay",
    "scrub",
    "status_error",
]

_POLICY_CODES = {"content_policy_violation", "moderation_blocked", "content_filter"}
_POLICY_WORDS = ("safety system", "content policy", "nsfw", "sensitive content", "moderation")
_QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}
_MAX_MESSAGE = 300
# Go-style durations in x-ratelimit-reset-*: "1s", "6m0s", "59.5ms", "1h2m3.5s".
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
# Replicate's 429 body: {"detail": "Request was throttled. Expected available in 1 second."}
_REPLICATE_DELAY = re.compile(r"available in (\d+(?:\.\d+)?) ?(ms|milliseconds?|s|seconds?)\b")


class Secret:
    """An API key that never shows itself in reprs, logs or error messages.

    Args:
        value: The key. Empty or whitespace-only keys are rejected.
        env_var: The environment variable it came from, named in error messages.
    """

    __slots__ = ("_env_var", "_value")

    def __init__(self, value: str, *, env_var: str = "the API key") -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{env_var} is empty: set it to your provider's API key")
        self._value = value.strip()
        self._env_var = env_var

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def reveal(self) -> str:
        """Return the key, for handing to the provider's client and nothing else."""
        return self._value

    def redact(self, text: str) -> str:
        """Return `text` with the key replaced by ``***``."""
        return text.replace(self._value, "***")


def scrub(text: str, secret: Secret | None) -> str:
    """Redact `secret` from `text`, then cut it to a loggable length (in that order: a cut
    could split the key and defeat the redaction)."""
    if secret is not None:
        text = secret.redact(text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def classify_status(status: int, code_hint: str | None, detail: str) -> ErrorCode:
    """The error code of an HTTP 4xx/5xx answer."""
    if status == 429:
        return ErrorCode.QUOTA_EXCEEDED if code_hint in _QUOTA_CODES else ErrorCode.RATE_LIMITED
    if status in (401, 403):
        return ErrorCode.AUTH_FAILED
    if status == 402:
        return ErrorCode.QUOTA_EXCEEDED
    if status in (408, 504):
        return ErrorCode.TIMEOUT
    if status >= 500:
        return ErrorCode.PROVIDER_UNAVAILABLE
    if code_hint in _POLICY_CODES or looks_like_policy_refusal(detail):
        return ErrorCode.SENSITIVE_CONTENT
    if status in (400, 404, 409, 413, 415, 422):
        return ErrorCode.INVALID_INPUT
    return ErrorCode.UNKNOWN


def looks_like_policy_refusal(text: str) -> bool:
    """Whether a provider's free-text error reads like a content-policy refusal."""
    lowered = text.lower()
    return any(word in lowered for word in _POLICY_WORDS)


def parse_retry_after(value: str | None, *, now: datetime.datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header (seconds, or an HTTP date) into seconds from now."""
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = now or datetime.datetime.now(datetime.UTC)
    return max(0.0, (when - current).total_seconds())


def parse_duration(value: str | None) -> float | None:
    """Parse a Go-style duration (``"6m0s"``, ``"59.5ms"``) into seconds, or None."""
    if not value:
        return None
    text = value.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def rate_limit_delay(headers: Mapping[str, str]) -> float | None:
    """The delay an OpenAI-style 429 asks for, in seconds, from its headers.

    ``retry-after-ms`` is the most precise, then ``retry-after``; without either, the reset
    time of the limit that ran out (``x-ratelimit-remaining-* == 0``), or the longest reset.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        millis = float(lowered["retry-after-ms"])
    except (KeyError, ValueError):
        pass
    else:
        return max(0.0, millis / 1000)
    seconds = parse_retry_after(lowered.get("retry-after"))
    if seconds is not None:
        return seconds
    resets = {
        kind: parse_duration(lowered.get(f"x-ratelimit-reset-{kind}"))
        for kind in ("requests", "tokens")
    }
    exhausted = [
        delay
        for kind, delay in resets.items()
        if delay is not None and lowered.get(f"x-ratelimit-remaining-{kind}", "").strip() == "0"
    ]
    known = exhausted or [delay for delay in resets.values() if delay is not None]
    return max(known) if known else None


def replicate_body_delay(detail: str | None) -> float | None:
    """The delay in Replicate's 429 body ("Expected available in 1 second."), in seconds."""
    match = _REPLICATE_DELAY.search(detail or "")
    if match is None:
        return None
    number = float(match[1])
    return number / 1000 if match[2].startswith("m") else number


def status_error(
    status: int,
    code_hint: str | None,
    detail: str,
    *,
    provider: str,
    secret: Secret | None,
    where: str,
    retry_after: float | None,
) -> MediaGenerationError:
    """Build the classified error for an HTTP 4xx/5xx answer."""
    message = scrub(f"{where} answered HTTP {status}: {detail}", secret)
    code = classify_status(status, code_hint, detail)
    return MediaGenerationError(code, message, provider=provider, retry_after=retry_after)
