"""Every loopback socket the project binds or connects has TCP_NODELAY.

Without it an HTTP message written in two pieces (headers, then body) waits for the
peer's delayed ACK: about 40 ms a keep-alive request on Linux. The assertions are on the
socket option, which decides it; the round-trip times are in benchmarks/loopback_rtt.py.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

from inngest_sim._server.loopback import (
    KEEP_ALIVE,
    LoopbackServer,
    bind_loopback,
    nodelay_client,
    nodelay_transport,
    uvicorn_config,
)


def nodelay(sock: Any) -> int:
    return int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_listening_socket_says_it_is_tcp_and_has_nodelay() -> None:
    # asyncio sets TCP_NODELAY on an accepted connection only when proto is IPPROTO_TCP.
    sock = bind_loopback()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert nodelay(sock) == 1
    finally:
        sock.close()


async def test_a_connection_the_event_loop_accepts_on_it_has_nodelay() -> None:
    # uvicorn serves a socket it is given with loop.create_server(sock=...), as here.
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            accepted.set_result(nodelay(transport.get_extra_info("socket")))

    sock = bind_loopback()
    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
    try:
        assert await asyncio.wait_for(accepted, 5) == 1
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


async def ok(scope: Any, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_the_clients_the_project_makes_connect_with_nodelay() -> None:
    server = LoopbackServer(ok)
    server.start()
    try:
        async with httpx.AsyncClient(transport=nodelay_transport()) as http:
            response = await http.post(server.url, content=b"{}")
            stream = response.extensions["network_stream"]
            assert nodelay(stream.get_extra_info("socket")) == 1

        def blocking() -> int:
            with nodelay_client(5) as http:
                response = http.post(server.url, content=b"{}")
                return nodelay(response.extensions["network_stream"].get_extra_info("socket"))

        assert await asyncio.to_thread(blocking) == 1

    finally:
        await server.stop()


def test_the_servers_keep_an_idle_connection_longer_than_clients_keep_it() -> None:
    # httpx (the Python SDK's client) drops an idle connection after 5 s and Node's undici
    # after 4 s; a server that closes at the same 5 s races the client reusing it.
    config = uvicorn_config(ok)
    assert config.timeout_keep_alive == KEEP_ALIVE
    assert httpx.Limits().keepalive_expiry * 10 < KEEP_ALIVE  # type: ignore[operator]
