"""Routes an ``inngest.Inngest`` client's own HTTP calls to the simulator.

The SDK keeps one ``httpx.AsyncClient`` and one ``httpx.Client`` (for sync code);
swapping their transports sends register, Event API, run-state and realtime
calls to ``InngestApi`` in-process, with no sockets and no global patching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._errors import SdkBridgeError
from inngest_sim._sdk.versions import SUPPORTED

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["route_client"]


def route_client(
    client: Any, handler: Callable[[httpx.Request], httpx.Response]
) -> Callable[[], None]:
    """Point ``client``'s HTTP at ``handler``; returns a function that undoes it."""
    try:
        wrapper = client._http_client
        clients = [wrapper._http_client, wrapper._http_client_sync]
    except AttributeError as exc:
        raise SdkBridgeError(
            "this inngest SDK keeps its HTTP clients elsewhere than 0.5.x does; "
            f"pin {SUPPORTED} or serve over HTTP with Simulator.from_url()"
        ) from exc
    transport = httpx.MockTransport(handler)
    saved = [(c, c._transport, c._mounts) for c in clients]
    for http in clients:
        http._transport = transport
        http._mounts = {}  # proxies from the environment must not catch these calls

    def restore() -> None:
        for http, old_transport, old_mounts in saved:
            http._transport = old_transport
            http._mounts = old_mounts

    return restore
