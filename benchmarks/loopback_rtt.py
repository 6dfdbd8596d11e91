"""Round trips to ``inngest-sim dev`` on one keep-alive connection (target: well under 1 ms
of overhead; before TCP_NODELAY each took about 44 ms).

Run on demand (``python benchmarks/loopback_rtt.py``), not in CI. Starts the dev server on a
free loopback port and sends ``--requests`` requests of each kind one after the other on
one httpx connection (httpx's default transport, as an SDK's client has it): ``GET /dev``
and an Event API ``POST /e/key`` of an event no function listens to. Prints the median
and 99th percentile of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import httpx

from inngest_sim.dev import dev_server


def timings(http: httpx.Client, method: str, url: str, count: int, **kwargs: object) -> list[float]:
    out = []
    for _ in range(count):
        started = time.perf_counter()
        response = http.request(method, url, **kwargs)  # type: ignore[arg-type]
        out.append(time.perf_counter() - started)
        response.raise_for_status()
    return out


def describe(name: str, times: list[float]) -> str:
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"{name}: median {statistics.median(times) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    with dev_server(port=0, set_env=False) as dev, httpx.Client(trust_env=False) as http:
        event = {"name": "bench/nobody-listens", "data": {"n": 1}}
        timings(http, "GET", f"{dev.url}/dev", 20)  # warm the connection and the server
        print(describe("GET /dev", timings(http, "GET", f"{dev.url}/dev", args.requests)))
        sent = timings(http, "POST", f"{dev.url}/e/key", args.requests, json=event)
        print(describe("POST /e/key", sent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
