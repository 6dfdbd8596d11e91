"""The dev server's routed endpoint: each execution request to its app's URL, over aiohttp.

Each test serves raw bytes from an asyncio server on loopback, so what the app does on the
wire (an endless body, a dropped connection, a gzip body, odd header case) is exact. The
run loop reads what ``execute`` returns or raises: an answer, ``ResponseTooLarge``, or the
httpx error of a transport failure (a failed attempt with the same message as before).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from inngest_sim._dev.endpoint import RoutedEndpoint
from inngest_sim._protocol import ExecutionCall, ResponseTooLarge, parse_reply
from inngest_sim._server.loopback import bind_loopback, free_port
from inngest_sim._server.registry import Registry

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Serve = Callable[[Handler], Awaitable[str]]


def registry_at(url: str) -> Registry:
    config = {
        "id": "app-fn",
        "name": "fn",
        "triggers": [{"event": "e"}],
        "steps": {"step": {"id": "step", "name": "step", "runtime": {"type": "http", "url": url}}},
    }
    return Registry("app", [config])


def call(max_bytes: int | None = 1_000_000) -> ExecutionCall:
    return ExecutionCall("app-fn", "step", "run-1", "req-1", {"event": {}}, max_bytes)


# Each test app answers one request a connection, and says so (``Connection: close``): an
# app that closes a kept connection without saying it fails the request sent on it next.


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request's head and body (by its content-length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head, await reader.readexactly(length)


async def respond(writer: asyncio.StreamWriter, body: bytes, *headers: bytes) -> None:
    """A 200 with ``body``, on a connection the app then closes (and says so)."""
    head = b"".join(header + b"\r\n" for header in headers)
    writer.write(
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n%sContent-Length: %d\r\n\r\n%s"
        % (head, len(body), body)
    )
    await writer.drain()


@contextlib.asynccontextmanager
async def routed(url: str) -> AsyncIterator[RoutedEndpoint]:
    """The endpoint of one function served at ``url``, closed after the test."""
    endpoint = RoutedEndpoint(registry_at(url))
    try:
        yield endpoint
    finally:
        await endpoint.aclose()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        sock = bind_loopback()
        servers.append(await asyncio.start_server(closing, sock=sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/api/inngest?fnId=x&stepId=step"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def test_the_request_goes_to_the_registered_url_with_its_own_query(serve: Serve) -> None:
    seen: list[tuple[bytes, bytes]] = []

    async def app(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        sdk = (b"Content-Type: application/json", b"X-Inngest-SDK: py:v0.5")
        await respond(writer, b'"done"', *sdk, b"X-Inngest-Req-Version: 2")

    async with routed(await serve(app)) as endpoint:
        answer = await endpoint.execute(call())
    ((head, body),) = seen
    assert head.startswith(b"POST /api/inngest?fnId=app-fn&stepId=step HTTP/1.1\r\n")
    assert json.loads(body) == {"event": {}}
    assert b"x-run-id: run-1" in head.lower()
    assert answer.status_code == 200
    assert answer.content == b'"done"'
    # Header names are read whatever their case, as the SDK's answer is parsed.
    assert answer.headers["x-inngest-sdk"] == "py:v0.5"
    reply = parse_reply(answer.status_code, answer.headers, answer.content)
    assert (reply.kind, reply.output) == ("done", "done")


async def test_a_gzip_body_is_read_decoded_and_counted_decoded(serve: Serve) -> None:
    raw = json.dumps("x" * 5000).encode()
    packed = gzip.compress(raw)

    async def app(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await respond(writer, packed, b"Content-Encoding: gzip")

    async with routed(await serve(app)) as endpoint:
        answer = await endpoint.execute(call())
        assert answer.content == raw
        # The answer no longer says it is encoded, nor its wire length.
        assert "content-encoding" not in answer.headers
        assert "content-length" not in answer.headers
        with pytest.raises(ResponseTooLarge):  # the limit is on what the SDK said, decoded
            await endpoint.execute(call(max_bytes=len(packed) + 10))


async def test_an_endless_body_stops_at_the_first_chunk_past_the_limit(serve: Serve) -> None:
    async def app(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 16384
        try:
            while True:  # never ends: only the reader's limit stops it
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        except (ConnectionError, OSError):
            return

    async with routed(await serve(app)) as endpoint:
        with pytest.raises(ResponseTooLarge) as raised:
            await endpoint.execute(call(max_bytes=100_000))
    assert 100_000 < raised.value.read <= 100_000 + 64 * 1024


async def test_an_app_that_hangs_up_is_a_remote_protocol_error(serve: Serve) -> None:
    async def app(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.close()

    async with routed(await serve(app)) as endpoint:
        with pytest.raises(httpx.RemoteProtocolError, match="Server disconnected"):
            await endpoint.execute(call())


async def test_a_body_cut_short_is_a_read_error(serve: Serve) -> None:
    async def app(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial')
        await writer.drain()
        writer.close()

    async with routed(await serve(app)) as endpoint:
        with pytest.raises(httpx.ReadError, match="cut short"):
            await endpoint.execute(call())


async def test_nothing_listening_is_a_connect_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/inngest"
    async with routed(url) as endpoint:
        with pytest.raises(httpx.ConnectError, match=r"cannot connect to http://127\.0\.0\.1"):
            await endpoint.execute(call())


async def test_the_routed_endpoint_never_syncs() -> None:
    endpoint = RoutedEndpoint(registry_at("http://127.0.0.1:1/api/inngest"))
    with pytest.raises(RuntimeError, match="syncs each app at its own URL"):
        await endpoint.sync()
