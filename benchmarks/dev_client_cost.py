"""What one request costs the client that sends it: httpx against aiohttp, on loopback.

Run on demand (``python benchmarks/dev_client_cost.py``), not in CI. A trivial ASGI app
(uvicorn, in its own process) answers ``--requests`` POSTs of an execution request's size
from ``--concurrency`` senders, through:

- httpx with a pool of 64 connections (what ``inngest-sim dev`` used to send execution
  requests with: ``--max-in-flight`` 64), and with a pool of 16;
- aiohttp (what it sends them with now), keeping connections and closing each after its
  request (what the Go executor does: one connection a request).

For each it prints requests/s and the client's CPU a request (this process's CPU time over
the requests): the dev server pays that CPU twice a run, on the core it shares with
everything else it does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx

APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})
"""

BODY = json.dumps(
    {"event": {"name": "bench/go", "data": {"i": 1}}, "steps": {}, "ctx": {"run_id": "r" * 26}}
).encode()
HEADERS = {"content-type": "application/json"}


async def measure(
    label: str, post: Callable[[], Awaitable[None]], count: int, senders: int
) -> None:
    left = count

    async def sender() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await post()

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(sender() for _ in range(senders)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"| {label} | {count / elapsed:,.0f} | {cpu / count * 1e6:,.0f} |", flush=True)


async def main_async(url: str, count: int, senders: int) -> None:
    nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
    for pool in (64, 16):
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        transport = httpx.AsyncHTTPTransport(limits=limits, socket_options=nodelay)
        async with httpx.AsyncClient(transport=transport, timeout=None) as http:

            async def with_httpx(http: httpx.AsyncClient = http) -> None:
                (await http.post(url, content=BODY, headers=HEADERS)).raise_for_status()

            await measure(f"httpx, pool of {pool}", with_httpx, count, senders)
    for close in (False, True):
        connector = (
            aiohttp.TCPConnector(limit=0, force_close=True)
            if close
            else aiohttp.TCPConnector(limit=0, keepalive_timeout=1.0)
        )
        async with aiohttp.ClientSession(connector=connector) as session:

            async def with_aiohttp(session: aiohttp.ClientSession = session) -> None:
                async with session.post(url, data=BODY, headers=HEADERS) as response:
                    await response.read()
                    response.raise_for_status()

            label = "aiohttp, a connection a request" if close else "aiohttp, kept connections"
            await measure(label, with_aiohttp, count, senders)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=9199)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    (Path(folder.name) / "client_cost_app.py").write_text(APP)
    command = [sys.executable, "-m", "uvicorn", "client_cost_app:app", "--port", str(args.port)]
    command += ["--app-dir", folder.name, "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command)
    url = f"http://127.0.0.1:{args.port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(url, content=b"{}")
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        print(f"{args.requests} POSTs from {args.concurrency} senders")
        print("| client | requests/s | client CPU a request (µs) |")
        print("|---|---|---|")
        asyncio.run(main_async(url, args.requests, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=10)
        folder.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
