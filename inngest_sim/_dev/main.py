"""``inngest-sim dev``: serve a ``DevServer`` with uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._server.loopback import bind_loopback, uvicorn_config

if TYPE_CHECKING:
    from inngest_sim._dev.options import DevOptions

__all__ = ["GC_THRESHOLDS", "READY", "serve"]

#: The cyclic garbage collector's thresholds in the dev server's process (Python's: 700, 10,
#: 10). The server keeps every run's records, a heap that grows by tens of thousands of
#: objects a second under a burst; with the default thresholds a collection of the middle
#: generation comes every 7,000 allocations. Collecting young objects 70 times less often
#: took about an eighth off the server's CPU a run (1.12 to 0.99 ms, the mean of four
#: 3,000-event bursts at concurrency 16 and 64, ``benchmarks/dev_load.py``). A full
#: collection still comes every tenth middle one at most (the default), so what
#: ``--keep-runs`` forgets is freed, and memory stays flat.
GC_THRESHOLDS = (50_000, 20, 10)

#: The line ``inngest-sim dev`` prints (stdout) once it answers HTTP and has synced its apps.
READY = "inngest-sim dev: serving on"


def _bind(host: str, port: int) -> socket.socket:
    try:
        if host == "127.0.0.1":
            return bind_loopback(port)
        return _bind_on(host, port)
    except OSError as exc:
        raise InvalidArgument(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; is another dev "
            "server running there? Stop it, or pick another port with --port"
        ) from None


def _bind_on(host: str, port: int) -> socket.socket:
    """A listening socket on ``host`` (``--host 0.0.0.0`` in a container), set as
    ``bind_loopback``'s is (TCP, no Nagle)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(options: DevOptions) -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop."""
    from inngest_sim._dev.http import build_app
    from inngest_sim._dev.server import DevServer
    from inngest_sim._dev.stopping import CleanStopServer

    logging.basicConfig(stream=sys.stderr, format="%(message)s")
    logging.getLogger("inngest_sim.dev").setLevel(logging.INFO)
    gc.set_threshold(*GC_THRESHOLDS)  # the process is the dev server's own (the CLI's)
    sock = _bind(options.host, options.port)
    port = sock.getsockname()[1]
    server = DevServer(options)
    # Where this machine reaches it (0.0.0.0 listens on every address, loopback among them).
    reach = "127.0.0.1" if options.host == "0.0.0.0" else options.host
    server.url = f"http://{reach}:{port}"
    await server.start()
    web = CleanStopServer(uvicorn_config(build_app(server)))
    await server.start_lifespans()
    task = asyncio.ensure_future(web.serve(sockets=[sock]))
    try:
        # uvicorn has no event for "listening"; its own tests poll `started` the same way.
        while not web.started and not task.done():  # noqa: ASYNC110
            await asyncio.sleep(0.002)
        if web.started:
            # The -u apps register through the server, so they sync once it answers; the
            # ready line comes after them, so whoever waits for it finds them synced.
            await server.sync_apps()
            mode = f"clock {options.clock}, auto-run {'on' if options.auto_run else 'off'}"
            if options.hold_time:
                mode += ", time held"
            print(f"{READY} {server.url} ({mode})", flush=True)
        await task
    finally:
        await server.stop()
        sock.close()
    return 0
