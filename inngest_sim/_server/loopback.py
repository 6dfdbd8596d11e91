"""The simulator's Inngest API on a loopback port, for SDKs in other processes."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

__all__ = ["LoopbackServer", "bind_loopback", "free_port"]


def bind_loopback(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1; connections queue until a server accepts."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    return sock


def free_port() -> int:
    """A loopback port that was free a moment ago (for a server another process starts)."""
    sock = bind_loopback()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


class LoopbackServer:
    """Serves an ASGI app with uvicorn on the running event loop."""

    def __init__(self, app: Any, port: int = 0) -> None:
        import uvicorn

        self._sock = bind_loopback(port)
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
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
