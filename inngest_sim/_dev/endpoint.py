"""The endpoint of several apps: each function is run at the URL its app registered.

Execution requests go out through one aiohttp session, not httpx. Under a burst the dev
server sends two requests a run, and httpx's connection pool rescans every pooled
connection (a socket poll each) for every request it assigns and every response it
closes: about 1.4 ms of CPU a request with 64 connections, against about 0.1 ms for
aiohttp's (``benchmarks/dev_client_cost.py``). Registration syncs and everything else
still go through httpx: they are few.

Idle connections are kept for ``KEEPALIVE`` seconds, below the idle timeout of the servers
SDK apps run on (uvicorn 5 s, Node's http 5 s, gunicorn 2 s): a connection the app closes
as it is being reused fails the request on it, an attempt lost to timing. The Go
executor opens a connection a request (``exechttp.Transport``: ``DisableKeepAlives``);
reuse is kept here because a new connection costs the sender about three times a reused
one's CPU.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import aiohttp
import httpx

from inngest_sim._bounded import Budget, decoded_headers, read_chunks
from inngest_sim._sdk.serve import execution_request

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim._protocol import ExecutionCall
    from inngest_sim._server.registry import Registry

__all__ = ["KEEPALIVE", "Answer", "RoutedEndpoint"]

#: Seconds an idle connection to an app is kept for reuse.
KEEPALIVE = 1.0
#: Bytes read from an answer at a time (the size limit is checked after each).
CHUNK = 64 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """An app's answer, read whole (the engine's ``EndpointAnswer``)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class RoutedEndpoint:
    """Posts each execution request to its function's registered serve URL."""

    url = "(the URL each app registered)"

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._session: aiohttp.ClientSession | None = None
        # Serve URL as registered -> without its query (each request sets its own).
        self._bases: dict[str, str] = {}

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session, made on first use (it binds to the running loop)."""
        if self._session is None:
            # No pool limit: the run loop bounds the requests in flight (--max-in-flight)
            # and a wait in the pool would count against a request's timeout.
            connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),  # the run loop times requests
                auto_decompress=True,
                cookie_jar=aiohttp.DummyCookieJar(),  # an app's cookies are not the server's
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def url_for(self, fn_id: str) -> str:
        registered = self.registry.get(fn_id).url
        base = self._bases.get(registered)
        if base is None:
            if len(self._bases) >= len(self.registry):
                # Some are of functions no longer served (apps sync other ones in over a
                # long-lived server's life): start again rather than keep every URL seen.
                self._bases.clear()
            base = str(httpx.URL(registered).copy_with(query=None))
            self._bases[registered] = base
        return base

    async def execute(self, call: ExecutionCall) -> Answer:
        """POST one execution request; the answer is read whole, up to ``call.max_bytes``
        (``ResponseTooLarge`` past it). A transport failure is raised as the httpx error
        of the same kind, which the run loop reads as a failed attempt."""
        built = execution_request(call, None)
        url = f"{self.url_for(call.fn_id)}?{built.query}"
        budget = Budget(call.max_bytes) if call.max_bytes is not None else None
        try:
            async with self.session.post(url, data=built.raw, headers=built.headers) as reply:
                content = await read_chunks(reply.content.iter_chunked(CHUNK), budget)
                headers = {k.lower(): v for k, v in decoded_headers(reply.headers.items())}
                return Answer(reply.status, headers, content)
        except aiohttp.ClientError as exc:
            raise _as_httpx(exc, url) from exc

    async def sync(self) -> Answer:
        raise RuntimeError(
            "the dev server syncs each app at its own URL (Apps.sync_url), never through the "
            "routed endpoint"
        )


def _as_httpx(exc: aiohttp.ClientError, url: str) -> httpx.TransportError:
    """The httpx error that says what happened, with aiohttp's message."""
    said = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(f"cannot connect to {url}: {exc.os_error}")
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return httpx.RemoteProtocolError("Server disconnected without sending a response.")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return httpx.ReadError(f"the answer's body was cut short: {said}")
    if isinstance(exc, aiohttp.ClientResponseError | aiohttp.ClientOSError):
        return httpx.RemoteProtocolError(said)
    return httpx.TransportError(said)
