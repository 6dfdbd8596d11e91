"""``inngest-sim dev``: serve a ``DevServer`` with uvicorn on a loopback port."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._server.loopback import bind_loopback, uvicorn_config

if TYPE_CHECKING:
    from inngest_sim._dev.options import DevOptions

__all__ = ["READY", "serve"]

#: The line ``inngest-sim dev`` prints (stdout) once it answers HTTP and has synced its apps.
READY = "inngest-sim dev: serving on"


def _bind(port: int):  # type: ignore[no-untyped-def]
    try:
        return bind_loopback(port)
    except OSError as exc:
        raise InvalidArgument(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}; is another dev "
            "server running there? Stop it, or pick another port with --port"
        ) from None


async def serve(options: DevOptions) -> int:
    """Serve until SIGINT or SIGTERM; 0 on a clean stop."""
    from inngest_sim._dev.http import build_app
    from inngest_sim._dev.server import DevServer
    from inngest_sim._dev.stopping import CleanStopServer

    logging.basicConfig(stream=sys.stderr, format="%(message)s")
    logging.getLogger("inngest_sim.dev").setLevel(logging.INFO)
    sock = _bind(options.port)
    port = sock.getsockname()[1]
    server = DevServer(options)
    server.url = f"http://127.0.0.1:{port}"
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
            print(f"{READY} http://127.0.0.1:{port} ({mode})", flush=True)
        await task
    finally:
        await server.stop()
        sock.close()
    return 0
