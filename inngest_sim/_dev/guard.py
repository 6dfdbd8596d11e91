"""Who may drive the dev server: loopback names, and what the developer allowed.

A web page the developer opens can send requests to ``127.0.0.1:8288``: a form or a
``fetch`` with a text body needs no CORS preflight, and a DNS-rebinding page reaches it
under its own host name. The Go dev server answers them all (its CORS handler allows
every origin, ``pkg/api/api.go``); this one refuses, before any route runs:

- a ``Host`` that is not a loopback name (``127.0.0.1``, ``localhost``, ``::1``) or one
  given with ``--allow-host`` (a rebinding page's requests carry its own host name);
- an ``Origin`` whose host is not one of those (a page elsewhere; browsers always send
  ``Origin`` on a POST);
- from a browser (an ``Origin`` header), a POST whose body is not declared JSON: a page
  cannot send ``application/json`` cross-origin without a preflight, which is answered
  only for the origins above. SDKs and curl send no ``Origin`` and are not asked.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["LOOPBACK_NAMES", "Guard", "is_loopback_url"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_PREFLIGHT_HEADERS = (
    (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, OPTIONS"),
    (b"access-control-allow-headers", b"*"),
    (b"access-control-max-age", b"3600"),
)


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, without a port) is this machine."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names a host on this machine."""
    try:
        return is_loopback_host(urlsplit(url).hostname or "")
    except ValueError:
        return False


def _host_of(value: str) -> str:
    """The host of a ``Host`` header value (``name:port``, ``[::1]:port``)."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class Guard:
    """ASGI middleware refusing requests a web page (not a test or an SDK) made."""

    def __init__(self, app: Any, allowed_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed_hosts)

    def _allowed(self, host: str) -> bool:
        return is_loopback_host(host) or host.lower() in self.allowed

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._refusal(scope["method"], headers)
        if refusal is None and scope["method"] == "OPTIONS" and "origin" in headers:
            await _answer(
                send,
                204,
                None,
                [
                    (b"access-control-allow-origin", headers["origin"].encode("latin-1")),
                    *_PREFLIGHT_HEADERS,
                ],
            )
            return
        if refusal is not None:
            status, message = refusal
            await _answer(send, status, message)
            return
        await self.app(scope, receive, send)

    def _refusal(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        host = _host_of(headers.get("host", "127.0.0.1"))
        hint = "start inngest-sim dev with --allow-host NAME to serve another name"
        if not self._allowed(host):
            return 403, (
                f"Host {host!r} is not this dev server's name (127.0.0.1, localhost, ::1); "
                f"a web page reached it under another name (DNS rebinding?). {hint}"
            )
        origin = headers.get("origin")
        if origin is None:
            return None
        origin_host = urlsplit(origin).hostname if origin.startswith("http") else None
        if origin_host is None or not self._allowed(origin_host):
            return 403, (
                f"requests from the web page at Origin {origin!r} are refused: only pages "
                f"on this machine may drive the dev server; {hint}"
            )
        if method == "POST" and not _is_json(headers.get("content-type", "")):
            return 415, (
                f"a POST from a web page must send Content-Type: application/json (got "
                f"{headers.get('content-type', 'none')!r})"
            )
        return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


async def _answer(
    send: Any, status: int, message: str | None, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = b"" if message is None else json.dumps({"error": message, "status": status}).encode()
    headers = [(b"content-type", b"application/json"), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
