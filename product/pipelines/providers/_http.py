"""HTTP plumbing shared by the remote providers: secrets, requests, error classification.

Every HTTP answer and transport failure becomes a `MediaGenerationError` here, with
credentials scrubbed from the message. Errors are raised ``from None`` on purpose: the
original httpx exception (and its traceback, which Inngest records) could echo headers.
"""

from __future__ import annotations

import datetime
import email.utils
import json
from typing import TYPE_CHECKING

import httpx

from pipelines.errors import ErrorCode, MediaGenerationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "Secret",
    "dig",
    "error_from_response",
    "json_object",
    "looks_like_policy_refusal",
    "malformed",
    "parse_retry_after",
    "send",
]

_POLICY_CODES = {"content_policy_violation", "moderation_blocked", "content_filter"}
_POLICY_WORDS = ("safety system", "content policy", "nsfw", "sensitive content")
_QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"}
_MAX_MESSAGE = 300


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
        """Return the key, for building an Authorization header and nothing else."""
        return self._value

    def redact(self, text: str) -> str:
        """Return `text` with the key replaced by ``***``."""
        return text.replace(self._value, "***")


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    secret: Secret | None,
    json_body: Mapping[str, object] | None = None,
) -> httpx.Response:
    """Send one request and return a 2xx response, or raise a classified error."""
    headers = {} if secret is None else {"Authorization": f"Bearer {secret.reveal()}"}
    where = f"{method} {httpx.URL(url).path}"
    try:
        response = await client.request(method, url, headers=headers, json=json_body)
    except httpx.TimeoutException:
        raise MediaGenerationError(
            ErrorCode.TIMEOUT, f"{where} timed out", provider=provider
        ) from None
    except httpx.HTTPError as exc:
        text = _scrub(f"{where} failed: {type(exc).__name__}: {exc}", secret)
        raise MediaGenerationError(
            ErrorCode.PROVIDER_UNAVAILABLE, text, provider=provider
        ) from None
    if response.status_code >= 400:
        raise error_from_response(response, provider=provider, secret=secret, where=where)
    return response


def error_from_response(
    response: httpx.Response, *, provider: str, secret: Secret | None, where: str
) -> MediaGenerationError:
    """Classify a 4xx/5xx answer into a `MediaGenerationError`."""
    status = response.status_code
    code_hint, detail = _error_details(response)
    message = _scrub(f"{where} answered HTTP {status}: {detail}", secret)
    retry_after = parse_retry_after(response.headers.get("retry-after"))

    def error(code: ErrorCode) -> MediaGenerationError:
        return MediaGenerationError(code, message, provider=provider, retry_after=retry_after)

    if status == 429:
        quota = code_hint in _QUOTA_CODES
        return error(ErrorCode.QUOTA_EXCEEDED if quota else ErrorCode.RATE_LIMITED)
    if status in (401, 403):
        return error(ErrorCode.AUTH_FAILED)
    if status == 402:
        return error(ErrorCode.QUOTA_EXCEEDED)
    if status in (408, 504):
        return error(ErrorCode.TIMEOUT)
    if status >= 500:
        return error(ErrorCode.PROVIDER_UNAVAILABLE)
    if code_hint in _POLICY_CODES or looks_like_policy_refusal(detail):
        return error(ErrorCode.SENSITIVE_CONTENT)
    if status in (400, 404, 409, 413, 415, 422):
        return error(ErrorCode.INVALID_INPUT)
    return error(ErrorCode.UNKNOWN)


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


def json_object(
    response: httpx.Response, *, provider: str, secret: Secret | None
) -> dict[str, object]:
    """Decode a JSON object body, or raise a retryable ``UNKNOWN`` error naming the problem."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise malformed(
            response, "the body is not JSON", provider=provider, secret=secret
        ) from None
    if not isinstance(body, dict):
        raise malformed(response, "the body is not a JSON object", provider=provider, secret=secret)
    return body


def malformed(
    response: httpx.Response, problem: str, *, provider: str, secret: Secret | None
) -> MediaGenerationError:
    """Build the error for a 2xx answer we cannot use (retryable: it is usually a glitch)."""
    where = f"{response.request.method} {response.request.url.path}"
    # Scrub before cutting: a cut could split the key and defeat the redaction.
    snippet = _scrub(response.text, secret)[:120]
    return MediaGenerationError(
        ErrorCode.UNKNOWN,
        f"{where} returned a malformed response: {problem} (body starts {snippet!r})",
        provider=provider,
    )


def dig(value: object, *path: str | int) -> object:
    """Walk nested JSON by keys and list indexes; return None where the shape differs."""
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or not -len(value) <= key < len(value):
                return None
            value = value[key]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _error_details(response: httpx.Response) -> tuple[str | None, str]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, response.text.strip() or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        hint = error.get("code") or error.get("type")
        return (str(hint) if hint else None), str(error.get("message") or error)
    if isinstance(body, dict) and "detail" in body:  # Replicate's error shape
        return None, str(body["detail"])
    return None, str(error or body)


def _scrub(text: str, secret: Secret | None) -> str:
    if secret is not None:
        text = secret.redact(text)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"
