"""``--keep-runs K``: after N runs, the per-run structures hold about K runs, not N (the run
loop's runs, the runs flow control keeps for repeated event ids, the lifecycle events, and
every ``RunState`` still alive)."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Iterator

import httpx
import pytest

from inngest_sim._dev.http import build_app
from inngest_sim._dev.options import DevOptions
from inngest_sim._dev.server import DevServer
from inngest_sim._dev.stopping import CleanStopServer
from inngest_sim._engine.run import RunState
from inngest_sim._server.loopback import bind_loopback, uvicorn_config
from inngest_sim.trace import EventReceived
from tests.dev.test_dev_retention import quick_app

KEEP = 5
RUNS = 60


class InProcess:
    """A ``DevServer`` served by uvicorn on a thread of this process, to look inside it."""

    def __init__(self, options: DevOptions) -> None:
        self.server = DevServer(options)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._web: CleanStopServer | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def _serve(self) -> None:
        sock = bind_loopback(0)
        self.url = self.server.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.loop = asyncio.get_running_loop()
        await self.server.start()
        self._web = CleanStopServer(uvicorn_config(build_app(self.server)))
        self._ready.set()
        try:
            await self._web.serve(sockets=[sock])
        finally:
            await self.server.stop()
            sock.close()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(20)

    def stop(self) -> None:
        assert self._web is not None
        self._web.should_exit = True
        self._thread.join(timeout=20)


@pytest.fixture
def dev() -> Iterator[InProcess]:
    served = InProcess(DevOptions(port=0, keep_runs=KEEP))
    served.start()
    yield served
    served.stop()


def test_after_many_runs_only_about_keep_runs_are_held(dev: InProcess) -> None:
    app = quick_app(dev, "flat")
    try:
        with httpx.Client(timeout=30) as client:
            for n in range(RUNS):
                sent = client.post(f"{dev.url}/e/key", json={"name": "flat/go", "data": {"n": n}})
                (event_id,) = sent.json()["ids"]
                (run,) = client.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
                done = client.get(f"{dev.url}/sim/runs/{run['id']}", params={"wait": "20"})
                assert done.json()["status"] == "COMPLETED", done.text
        server = dev.server
        bound = KEEP + max(1, KEEP // 10)
        assert len(server.engine.runs) <= bound
        assert server._runtime is not None
        kept_by_flow = [r for _, r in server._runtime.flow._seen.values() if r is not None]
        assert len(kept_by_flow) <= bound
        assert len(server._runtime.flow._seen) == RUNS  # the ids stay seen for their window
        lifecycle = [r for r in server.trace.of(EventReceived) if r.source == "lifecycle"]
        assert len(lifecycle) <= bound
        gc.collect()
        # This server's runs only: other tests in the process may hold runs of their own.
        alive = [o for o in gc.get_objects() if isinstance(o, RunState) and o.spec.app_id == "flat"]
        assert 0 < len(alive) <= bound
    finally:
        app.stop()
