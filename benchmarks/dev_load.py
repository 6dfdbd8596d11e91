"""``inngest-sim dev`` under bursts of events, beside the app alone and the real dev server.

Run on demand (``python benchmarks/dev_load.py [--go-binary PATH]``), not in CI. For each
concurrency (1, 16, 64) it sends ``--events`` events, one per POST, from that many
senders, to a one-step Python function (``benchmarks/_load_app.py``, under uvicorn in its
own process), and reports:

- events/s accepted (all sends answered), runs/s completed (first send to last completion),
  p50/p99 from a send to its run's completion, memory per 1,000 runs (the server's RSS
  growth), the server's CPU time per run completed, and lost (accepted, not completed within
  ``--window`` s) and duplicated (an event whose run finished twice) counts;
- the ceiling: the same app answering the same two requests per run sent straight to it
  at the same concurrency (the most any server can get from it);
- with ``--go-binary``, the real Inngest dev server (built beside, never committed)
  measured the same way.

Senders send as fast as their events are taken, so p50/p99 are mostly the wait behind the
runs before; ``--rate R`` paces them (R events/s in all) to read the latency of a rate the
server keeps up with. The load is driven with aiohttp: the senders share the machine's cores
with the server and the app, and a costlier client would lower every figure.

Ports come from ``--ports`` (a free range of 10).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from inngest_sim._protocol import build_body, hash_step_id

HERE = Path(__file__).parent
FN_ID = "load-bench-one-step"


@dataclass
class Figures:
    label: str
    concurrency: int
    sent: int
    accepted_per_s: float
    completed_per_s: float
    p50_ms: float
    p99_ms: float
    mib_per_1000: float | None
    cpu_ms_per_run: float | None
    lost: int
    duplicated: int
    refused: int

    def line(self) -> str:
        memory = "-" if self.mib_per_1000 is None else f"{self.mib_per_1000:.1f}"
        cpu = "-" if self.cpu_ms_per_run is None else f"{self.cpu_ms_per_run:.2f}"
        accepted = "-" if math.isnan(self.accepted_per_s) else f"{self.accepted_per_s:,.0f}"
        return (
            f"| {self.label} | {self.concurrency} | {self.sent:,} | {accepted} | "
            f"{self.completed_per_s:,.0f} | {self.p50_ms:,.1f} | {self.p99_ms:,.1f} | {memory} | "
            f"{cpu} | {self.lost} | {self.duplicated} | {self.refused} |"
        )


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and its children, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += tree_cpu_seconds(int(child))
    return total


def tree_rss_mib(pid: int) -> float:
    """RSS of a process and its children (the Go CLI may fork)."""
    total = rss_mib(pid)
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        for child in children.read_text().split():
            total += tree_rss_mib(int(child))
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def wait_until_answers(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {seconds:g}s")


def start_app(port: int, server_url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INNGEST_BASE_URL": server_url, "INNGEST_DEV": "1"}
    command = [sys.executable, "-m", "uvicorn", "_load_app:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, cwd=HERE, env=env)
    wait_until_answers(f"http://127.0.0.1:{port}/done")
    return process


def session(concurrency: int) -> aiohttp.ClientSession:
    """The load's client: aiohttp, whose CPU a request is a tenth of httpx's with a pool of
    64 (``benchmarks/dev_client_cost.py``). The senders share the machine's cores with the
    server and the app, so a costly client would lower every figure, the ceiling's too."""
    connector = aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=1.0)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))


async def burst(
    server: str,
    app: str,
    count: int,
    concurrency: int,
    window: float,
    rate: float | None,
    per_post: int,
) -> dict:
    sent_at: dict[str, float] = {}
    refused = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(0, count, per_post):
        queue.put_nowait(index)
    async with session(concurrency) as http:

        async def sender() -> None:
            nonlocal refused
            while not queue.empty():
                index = queue.get_nowait()
                upto = min(index + per_post, count)
                events = [{"name": "bench/go", "data": {"i": i}} for i in range(index, upto)]
                if rate is not None:  # paced: event i leaves at i / rate seconds
                    await asyncio.sleep(max(0.0, first + index / rate - time.time()))
                while True:
                    started = time.time()
                    body = events if per_post > 1 else events[0]
                    async with http.post(f"{server}/e/key", json=body) as response:
                        if response.status == 429:  # backpressure: wait as told, send again
                            refused += 1
                            await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                            continue
                        response.raise_for_status()
                        ids = (await response.json(content_type=None))["ids"]
                    assert len(ids) == len(events), f"{len(events)} sent, {len(ids)} ids"
                    for event_id in ids:
                        sent_at[event_id] = started
                    break

        first = time.time()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        accepted = time.time()
        done: dict[str, list[float]] = {}
        while time.time() - accepted < window:
            async with http.get(f"{app}/done") as response:
                done = await response.json(content_type=None)
            if len(done) >= len(sent_at):
                break
            await asyncio.sleep(0.25)
    return {
        "sent_at": sent_at,
        "done": done,
        "first": first,
        "accepted": accepted,
        "refused": refused,
    }


def figures(
    label: str, concurrency: int, result: dict, memory: float | None, cpu: float | None
) -> Figures:
    sent_at, done = result["sent_at"], result["done"]
    latencies = [(done[i][0] - t) * 1000 for i, t in sent_at.items() if i in done]
    last = max((times[0] for times in done.values()), default=result["accepted"])
    count = len(sent_at)
    return Figures(
        label=label,
        concurrency=concurrency,
        sent=count,
        accepted_per_s=count / max(result["accepted"] - result["first"], 1e-9),
        completed_per_s=len(latencies) / max(last - result["first"], 1e-9),
        p50_ms=statistics.median(latencies) if latencies else float("nan"),
        p99_ms=percentile(latencies, 0.99),
        mib_per_1000=memory,
        cpu_ms_per_run=cpu,
        lost=sum(1 for i in sent_at if i not in done),
        duplicated=sum(1 for i in sent_at if len(done.get(i, [])) > 1),
        refused=result["refused"],
    )


async def ceiling(app: str, count: int, concurrency: int) -> Figures:
    """The app alone: each run's two requests (the step, then the function's end) sent to it
    straight, at the same concurrency."""
    url = f"{app}/api/inngest"
    step_hash = hash_step_id("one")
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)
    async with session(concurrency) as http:

        async def one(steps: dict[str, Any], event: dict[str, Any], run_id: str) -> int:
            body = build_body(
                event=event,
                events=[event],
                steps=steps,
                stack=list(steps),
                run_id=run_id,
                attempt=0,
                max_attempts=1,
                disable_immediate_execution=False,
                use_api=False,
            )
            async with http.post(
                url,
                params={"fnId": FN_ID, "stepId": "step"},
                json=body,
                headers={"x-inngest-server-kind": "dev"},
            ) as response:
                await response.read()
                return response.status

        async def runner() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                event = {
                    "name": "bench/go",
                    "data": {"i": index},
                    "id": str(uuid.uuid4()),
                    "ts": int(time.time() * 1000),
                }
                run_id = str(uuid.uuid4())
                started = time.time()
                assert await one({}, event, run_id) == 206
                assert await one({step_hash: {"data": 1}}, event, run_id) == 200
                latencies.append((time.time() - started) * 1000)

        first = time.time()
        await asyncio.gather(*(runner() for _ in range(concurrency)))
        elapsed = time.time() - first
        await (await http.delete(f"{app}/done")).release()
    return Figures(
        "app alone (ceiling)",
        concurrency,
        count,
        float("nan"),
        count / elapsed,
        statistics.median(latencies),
        percentile(latencies, 0.99),
        None,
        None,
        0,
        0,
        0,
    )


def measure(
    label: str,
    server: str,
    pid: int,
    app: str,
    count: int,
    concurrency: int,
    args: argparse.Namespace,
) -> Figures:
    if args.rate is not None:
        label = f"{label}, paced {args.rate:,.0f}/s"
    before, cpu = tree_rss_mib(pid), tree_cpu_seconds(pid)
    if args.per_post > 1:
        label = f"{label}, {args.per_post} events a POST"
    result = asyncio.run(
        burst(server, app, count, concurrency, args.window, args.rate, args.per_post)
    )
    grown, cpu = tree_rss_mib(pid) - before, tree_cpu_seconds(pid) - cpu
    httpx.delete(f"{app}/done")
    runs = max(len(result["done"]), 1)
    sent = len(result["sent_at"])
    return figures(label, concurrency, result, grown / sent * 1000, cpu / runs * 1000)


def run_sim(ports: list[int], args: argparse.Namespace, table: list[Figures]) -> None:
    server = f"http://127.0.0.1:{ports[0]}"
    command = [sys.executable, "-m", "inngest_sim", "dev", "--port", str(ports[0])]
    command += args.sim_args.split()
    dev = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    app_process = start_app(ports[1], server)
    app = f"http://127.0.0.1:{ports[1]}"
    try:
        wait_until_answers(f"{server}/dev")
        httpx.put(f"{app}/api/inngest", timeout=30).raise_for_status()
        for concurrency, count in zip(args.concurrency, args.events, strict=True):
            if not args.no_ceiling:
                table.append(asyncio.run(ceiling(app, count, concurrency)))
                print(table[-1].line(), flush=True)
            table.append(measure("inngest-sim dev", server, dev.pid, app, count, concurrency, args))
            print(table[-1].line(), flush=True)
    finally:
        for process in (app_process, dev):
            process.terminate()
            process.wait(timeout=20)


def run_go(binary: str, ports: list[int], args: argparse.Namespace, table: list[Figures]) -> None:
    server = f"http://127.0.0.1:{ports[2]}"
    app_process = start_app(ports[3], server)
    app = f"http://127.0.0.1:{ports[3]}"
    command = [
        binary,
        "dev",
        "--no-discovery",
        "--no-poll",
        "-u",
        f"{app}/api/inngest",
        "--port",
        str(ports[2]),
        "--connect-gateway-port",
        str(ports[4]),
        "--connect-gateway-grpc-port",
        str(ports[5]),
        "--connect-executor-grpc-port",
        str(ports[6]),
    ]
    go = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answers(f"{server}/dev")
        deadline = time.monotonic() + 60
        while not httpx.get(f"{server}/dev", timeout=5).json().get("functions"):
            if time.monotonic() > deadline:
                raise RuntimeError("the Go dev server did not sync the app within 60 s")
            time.sleep(0.2)
        for concurrency, count in zip(args.concurrency, args.go_events, strict=True):
            table.append(
                measure("Inngest dev server (Go)", server, go.pid, app, count, concurrency, args)
            )
            print(table[-1].line(), flush=True)
    finally:
        for process in (go, app_process):
            process.terminate()
            process.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--events", type=int, nargs="+", default=[300, 1000, 1000])
    parser.add_argument("--go-events", type=int, nargs="+", default=[100, 300, 300])
    parser.add_argument("--window", type=float, default=120.0)
    parser.add_argument("--per-post", type=int, default=1, help="events in each POST")
    parser.add_argument(
        "--rate",
        type=float,
        help="send at this many events/s in all (paced) instead of as fast as they are taken",
    )
    parser.add_argument("--ports", type=int, default=9250, help="first of 10 free ports")
    parser.add_argument("--go-binary", help="the real Inngest CLI, built from source")
    parser.add_argument(
        "--sim-args", default="", help="more flags for inngest-sim dev, e.g. '--keep-runs 200'"
    )
    parser.add_argument(
        "--no-ceiling", action="store_true", help="skip the app-alone runs (a memory run)"
    )
    parser.add_argument(
        "--no-sim", action="store_true", help="measure only the Go dev server (--go-binary)"
    )
    args = parser.parse_args()
    ports = list(range(args.ports, args.ports + 10))
    table: list[Figures] = []
    print(
        "| server | concurrency | events | events/s accepted | runs/s completed | "
        "p50 ms | p99 ms | MiB per 1,000 runs | server CPU ms per run | lost | duplicated | "
        "429s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    if not args.no_sim:
        run_sim(ports, args, table)
    if args.go_binary:
        run_go(args.go_binary, ports, args, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
