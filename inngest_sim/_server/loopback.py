"""The simulator's Inngest API on a loopback port, for SDKs in other processes.

Every socket the project binds or connects on loopback has ``TCP_NODELAY``: an HTTP
message written in two pieces (headers, then body) otherwise waits for the peer's
delayed ACK, about 40 ms a request on Linux.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

__all__ = [
    "KEEP_ALIVE",
    "NODELAY",
    "LoopbackServer",
    "bind_loopback",
    "free_port",
    "nodelay_client",
    "nodelay_transport",
    "uvicorn_config",
]

#: The socket option that turns Nagle's algorithm off, as httpx transports take it.
NODELAY = ((socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),)


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1; connections queue until a server accepts.

    ``proto=IPPROTO_TCP`` matters: asyncio sets ``TCP_NODELAY`` on an accepted
    connection only when its socket says it is TCP (``base_events._set_nodelay``), and an
    accepted socket takes its ``proto`` from the listening one. A socket made with the
    default ``proto=0`` gives every request uvicorn serves on it the 40 ms stall. The
    option is set on the listening socket too (Linux copies it to accepted ones).
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def free_port() -> int:
    """A loopback port that was free a moment ago (for a server another process starts)."""
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


def nodelay_transport(limits: httpx.Limits | None = None) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose connections have ``TCP_NODELAY`` (no 40 ms stalls)."""
    if limits is None:
        return httpx.AsyncHTTPTransport(socket_options=list(NODELAY))
    return httpx.AsyncHTTPTransport(socket_options=list(NODELAY), limits=limits)


def nodelay_client(timeout: float | None) -> httpx.Client:
    """A blocking httpx client whose connections have ``TCP_NODELAY``.

    httpx's blocking transport connects with ``socket.create_connection`` and sets no
    option of its own, so a POST (headers and body written apart) would wait on Nagle.
    """
    transport = httpx.HTTPTransport(socket_options=list(NODELAY))
    return httpx.Client(transport=transport, timeout=timeout, trust_env=False)


#: Seconds the project's servers keep an idle client connection open. uvicorn's default is
#: 5 s, the same as httpx's idle expiry (the SDKs' client): a client could reuse a
#: connection just as the server closes it, and the request on it fails (a send lost to
#: timing). The Go servers set no idle timeout (``http.Server`` in pkg/api/api.go and
#: pkg/coreapi/coreapi.go); here a long one, so the client's expiry always comes first.
KEEP_ALIVE = 75


def uvicorn_config(app: Any) -> Any:
    """How the project serves an ASGI app with uvicorn on a socket ``bind_loopback`` made."""
    import uvicorn

    return uvicorn.Config(
        app,
        log_level="warning",
        lifespan="off",
        backlog=1024,
        timeout_keep_alive=KEEP_ALIVE,
        # As Go's net/http: no Server header; and no proxy in front to read X-Forwarded-For.
        server_header=False,
        proxy_headers=False,
    )


class LoopbackServer:
    """Serves an ASGI app with uvicorn on the running event loop."""

    def __init__(self, app: Any, port: int = 0) -> None:
        import uvicorn

        self._sock = bind_loopback(port)
        self.port: int = self._sock.getsockname()[1]
        self._server = uvicorn.Server(uvicorn_config(app))
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._server.serve(sockets=[self._sock]))

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._sock.close()
