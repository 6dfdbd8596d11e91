"""The endpoint of several apps: each function is run at the URL its app registered."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from inngest_sim._sdk.serve import Endpoint

if TYPE_CHECKING:
    from inngest_sim._server.registry import Registry

__all__ = ["RoutedEndpoint"]


class RoutedEndpoint(Endpoint):
    """Posts each execution request to its function's registered serve URL."""

    def __init__(self, http: httpx.AsyncClient, registry: Registry) -> None:
        super().__init__(http, "(the URL each app registered)")
        self.registry = registry

    def url_for(self, fn_id: str) -> str:
        # The registered URL carries ?fnId=...&stepId=step; each request sets its own.
        return str(httpx.URL(self.registry.get(fn_id).url).copy_with(query=None))
