"""How long ``inngest-sim dev`` takes from spawn to its first answer (target: under 1 s).

Run on demand (``python benchmarks/dev_start.py``), not in CI. Each round spawns the
command on a free loopback port, polls ``GET /dev`` every 5 ms until it answers 200,
then stops it; prints the minimum, median and maximum over the rounds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from inngest_sim._dev.client import is_serving
from inngest_sim._server.loopback import free_port


def one_start(command: list[str]) -> float:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*command, "dev", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.perf_counter() - started < 20:
            if is_serving(port):
                return time.perf_counter() - started
            time.sleep(0.005)
        raise RuntimeError("inngest-sim dev did not answer within 20 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    script = shutil.which("inngest-sim")
    command = [script] if script else [sys.executable, "-m", "inngest_sim"]
    one_start(command)  # warm the bytecode caches
    times = [one_start(command) for _ in range(args.rounds)]
    print(
        f"inngest-sim dev start to first answer over {args.rounds} rounds: "
        f"min {min(times):.3f}s, median {statistics.median(times):.3f}s, max {max(times):.3f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
