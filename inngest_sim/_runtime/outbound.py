"""The HTTP client a gateway makes the executor's own calls with (``step.ai.infer``,
``step.fetch``): the one a test handed in, or a plain one built on the first call.

Built lazily because an ``httpx.AsyncClient`` costs an SSL context, and most simulators
never make such a call; closed with the simulator only when it was built here.
"""

from __future__ import annotations

import httpx

__all__ = ["OutboundClient"]


class OutboundClient:
    """``get()`` the client; ``aclose()`` closes it only if this object built it."""

    def __init__(self, http: httpx.AsyncClient | None, *, timeout: float) -> None:
        self._http = http
        self._owned: httpx.AsyncClient | None = None
        self._timeout = timeout

    def get(self) -> httpx.AsyncClient:
        if self._http is not None:
            return self._http
        if self._owned is None:
            self._owned = httpx.AsyncClient(timeout=self._timeout)
        return self._owned

    async def aclose(self) -> None:
        if self._owned is not None:
            await self._owned.aclose()
