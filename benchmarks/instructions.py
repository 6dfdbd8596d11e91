"""Instructions per run, counted by valgrind: a measure that a busy machine cannot move.

CPU time on a small shared machine moves by a third from one minute to the next, which
hides changes of a few per cent. Instructions executed do not depend on load. This runs
each case in a child process under ``valgrind --tool=callgrind`` twice, with ``k1`` and
``k2`` units of work after the same warm-up, and prints ``(I(k2) - I(k1)) / (k2 - k1)``:
the instructions of one unit, start-up and imports cancelled out::

    python benchmarks/instructions.py                  # every case, two at a time
    python benchmarks/instructions.py --cases seq10,mocked10

Cases: ``seq10`` (a 10-step function with its own Simulator, set-up included, as the
small-run benchmark), ``mocked10`` (the same function through stock ``mocked.trigger``),
``chunk10`` and ``chunk100`` (chunks of 5), ``property`` (one example of the
property-test benchmark). Instructions are not time: memory stalls and the kernel are
not in them, so read ratios, not seconds. Needs valgrind (``apt install valgrind``);
about 2 minutes a case, mostly the interpreter starting under valgrind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
# case -> (units before, units after): enough units that one unit's cost is well above noise.
CASES = {
    "seq10": (5, 15),
    "mocked10": (5, 15),
    "chunk10": (5, 15),
    "chunk100": (1, 3),
    "property": (10, 40),
}
_COLLECTED = re.compile(rb"Collected : (\d+)")


def _child(case: str, units: int) -> None:
    """The work itself: one warm-up unit, then ``units`` more."""
    sys.path.insert(0, str(HERE))
    import _cases
    import _measure
    import inngest

    if case == "property":
        client = inngest.Inngest(app_id="bench-props", is_production=False)
        fn = _cases.fanout(client)
        _measure._fanout_property(client, fn, ("accel", "direct"), 1, [0])()
        counter = [0]
        if units:
            _measure._fanout_property(client, fn, ("accel", "direct"), units, counter)()
        assert counter[0] == units, counter  # one example per unit, none skipped
        return
    if case == "mocked10":
        from inngest.experimental import mocked

        mock_client = mocked.Inngest(app_id="bench", is_production=False)
        mock_fn = _cases.sequential(mock_client, _cases.SMALL_STEPS)
        loop = asyncio.new_event_loop()
        for _ in range(1 + units):
            asyncio.set_event_loop(loop)
            result = mocked.trigger(mock_fn, inngest.Event(name="bench/x"), mock_client)
            assert result.status is mocked.Status.COMPLETED, result.error
        return

    from inngest_sim import Simulator

    mode, n = ("seq", 10) if case == "seq10" else ("chunk", int(case.removeprefix("chunk")))
    client = inngest.Inngest(app_id="bench", is_production=False)
    fn = _cases.BUILDERS[mode](client, n)

    async def go(count: int) -> None:
        for _ in range(count):
            async with Simulator(client, [fn]) as sim:
                run = await sim.run(fn)
            assert run.status == "Completed", run.error

    asyncio.run(go(1))
    asyncio.run(go(units))


def _count(case: str, units: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        case,
        str(units),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts every time
    done = subprocess.run(command, capture_output=True, env=env, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise SystemExit(f"{case} with {units} units failed (exit {done.returncode}):\n{tail}")
    return int(found.group(1))


def _per_unit(case: str) -> int:
    low, high = CASES[case]
    return (_count(case, high) - _count(case, low)) // (high - low)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES)
    )
    parser.add_argument("--jobs", type=int, default=2, help="cases counted at once (default 2)")
    parser.add_argument("--child", nargs=2, metavar=("CASE", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    cases = [c for c in args.cases.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed; install it (apt install valgrind)")
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        counts = dict(zip(cases, pool.map(_per_unit, cases), strict=True))
    for case, count in counts.items():
        print(f"{case:10s} {count / 1e6:9.2f} M instructions per unit")
    if "seq10" in counts and "mocked10" in counts:
        ratio = counts["mocked10"] / counts["seq10"]
        print(f"mocked10 / seq10: {ratio:.2f} (above 1: the simulator executes fewer)")


if __name__ == "__main__":
    main()
