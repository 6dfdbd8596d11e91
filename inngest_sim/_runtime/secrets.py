"""Secrets kept out of what the executor records: keys in URLs, and in messages.

A provider key passed in a query string (Gemini's ``?key=``), a signed URL's signature or a
password in a URL would otherwise reach the trace, ``/sim/runs/{id}/trace`` and the report,
which are shared far more widely than the code that holds the key.
"""

from __future__ import annotations

import httpx

__all__ = ["scrub", "url_secrets"]


def scrub(text: str, *secrets: str) -> str:
    """``text`` without ``secrets`` (a provider may echo its key in its errors)."""
    for secret in secrets:
        text = text.replace(secret, "[redacted]") if len(secret) >= 4 else text
    return text


#: Query parameter names (any part of them, any case) whose values are secrets: Gemini's
#: ``key=``, ``access_token=``, ``api_key=``, a signed URL's ``signature=``...
_SECRET_NAME_PARTS = ("key", "token", "secret", "password", "signature", "auth", "sig")


def url_secrets(url: str) -> tuple[str, list[str]]:
    """``url`` as the trace may show it (secret query values and password redacted), and
    the secrets taken out, to scrub from messages too."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return url, []
    secrets = [parsed.password] if parsed.password else []
    params = []
    for name, value in parsed.params.multi_items():
        if any(part in name.lower() for part in _SECRET_NAME_PARTS):
            secrets.append(value)
            value = "redacted"
        params.append((name, value))
    if not secrets:
        return url, []
    shown = parsed.copy_with(params=params)
    if parsed.password:
        shown = shown.copy_with(password="redacted")
    return str(shown), secrets
