"""Benchmarks: inngest_sim beside the SDK's own ``inngest.experimental.mocked.trigger``.

Run on demand (``make bench``), not in CI::

    python benchmarks/run.py                      # everything (about 20-25 minutes)
    python benchmarks/run.py --quick              # n = 10, 100; fewer runs and examples
    python benchmarks/run.py --n 300 --modes seq --only scaling
    python benchmarks/run.py --levers stock,accel,accel+direct,accel+direct+gcfreeze

It prints the machine, then for each n and mode (sequential steps, or chunks of 5
with ``ctx.group.parallel``): the simulator's CPU and wall time (set-up included,
and ``sim.run`` alone in parentheses), ``mocked.trigger`` on the same function in
the same process, the ratio mocked ÷ simulator (above 1: the simulator is
faster), the requests each made and the peak memory (tracemalloc, untimed pass).
Then the small-run rate (a 10-step function, a new Simulator per run) and the
property-test rate (retry isolation over a chunked fan-out, drawn fault plans, a
fresh simulator per example). It writes ``benchmarks/out/results.json`` and a
PNG of time against n.

CPU time (``time.process_time``) is the primary measure: it holds up on a shared
machine; wall time is printed beside it. Each (mode, n) runs in a process of
its own; see ``_measure.py`` for the method. Lever sets (``--levers``) switch the
SDK accelerator (``accel``), the direct endpoint (``direct``) and scoped
``gc.freeze`` (``gcfreeze``) on for the simulator only; mocked always runs the
stock SDK.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import _levers
import _machine

HERE = Path(__file__).resolve().parent
DEFAULT_LEVERS = "stock,accel+direct"
FAILED: list[dict[str, Any]] = []


def _worker(spec: dict[str, Any]) -> Any:
    import _measure

    configs = [tuple(c) for c in spec["configs"]]
    if spec["kind"] == "scaling":
        return _measure.scaling(spec["mode"], spec["n"], configs, spec["reps"], spec["memory"])
    if spec["kind"] == "small":
        return _measure.small(spec["runs"], configs, spec["reps"])
    return _measure.property_rate(spec["examples"], configs, spec["reps"])


def _in_process_of_its_own(spec: dict[str, Any]) -> Any:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        print(f"FAILED: benchmark case {spec} (exit {done.returncode}); see above", flush=True)
        FAILED.append(spec)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value / 2**20:.2f}"


def _print_scaling(mode: str, n: int, result: dict[str, Any]) -> None:
    mocked = result["mocked"]
    for key, row in result.items():
        if key == "mocked":
            continue
        print(
            f"{mode:<5} {n:>4}  {key:<24} "
            f"{row['cpu']:8.3f} ({row['run_cpu']:7.3f}) {row['wall']:8.3f}   "
            f"{mocked['cpu']:8.3f} {mocked['wall']:8.3f}   "
            f"{row['ratio_cpu']:6.2f} ({row['ratio_wall']:5.2f})   "
            f"{int(row['requests']):>5} / {int(mocked['requests']):<5}  "
            f"{_mb(row.get('peak')):>6} / {_mb(mocked.get('peak')):<6}",
            flush=True,
        )


SCALING_HEADER = (
    "mode     n  levers                    sim CPU s (run)   wall s   mocked CPU s  wall s   "
    "mocked÷sim CPU (wall)  requests sim/mocked  peak MB sim/mocked"
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", default="10,100,300,999", help="step counts (comma-separated)")
    parser.add_argument("--modes", default="seq,chunk", help="seq, chunk or both")
    parser.add_argument("--levers", default=DEFAULT_LEVERS, help="lever sets (comma-separated)")
    parser.add_argument("--reps", type=int, default=3, help="timed rounds per case (median)")
    parser.add_argument("--small-runs", type=int, default=200, help="runs per small-run round")
    parser.add_argument("--examples", type=int, default=40, help="examples per property round")
    parser.add_argument("--only", default="scaling,small,property", help="which parts to run")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc passes")
    parser.add_argument("--quick", action="store_true", help="n=10,100, 50 runs, 10 examples")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="results folder")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(json.loads(args.worker))))
        return 0
    if args.quick:
        args.n, args.small_runs, args.examples = "10,100", 50, 10
    configs = [_levers.parse(spec) for spec in args.levers.split(",")]
    parts = set(args.only.split(","))
    machine = _machine.describe()
    machine["load_before"] = _machine.load()
    for key, value in machine.items():
        print(f"{key:<12} {value}")
    report: dict[str, Any] = {"machine": machine, "levers": [_levers.name(c) for c in configs]}

    if "scaling" in parts:
        print(f"\n{SCALING_HEADER}")
        rows = []
        for mode in args.modes.split(","):
            for n in (int(x) for x in args.n.split(",")):
                spec = {
                    "kind": "scaling",
                    "mode": mode,
                    "n": n,
                    "configs": configs,
                    "reps": args.reps,
                    "memory": not args.no_memory,
                }
                result = _in_process_of_its_own(spec)
                if result is not None:
                    rows.append({"mode": mode, "n": n, "result": result})
                    _print_scaling(mode, n, result)
        report["scaling"] = rows
        import _plot

        png = _plot.plot(rows, args.out / "time_vs_n.png") if rows else None
        if png:
            print(f"\nwrote {png}")

    if "small" in parts:
        spec = {"kind": "small", "runs": args.small_runs, "configs": configs, "reps": args.reps}
        result = _in_process_of_its_own(spec) or {"mocked": {"cpu": float("nan"), "wall": 0.0}}
        report["small"] = result
        mocked = result["mocked"]
        print(f"\nsmall runs: a 10-step function, a new Simulator per run, {args.small_runs} runs")
        print(
            f"  mocked.trigger            {mocked['cpu'] * 1e3:7.2f} ms CPU/run  "
            f"{mocked['wall'] * 1e3:7.2f} ms wall/run"
        )
        for key, row in result.items():
            if key != "mocked":
                print(
                    f"  {key:<24}  {row['cpu'] * 1e3:7.2f} ms CPU/run  "
                    f"{row['wall'] * 1e3:7.2f} ms wall/run   mocked÷sim "
                    f"{row['ratio_cpu']:.2f} CPU ({row['ratio_wall']:.2f} wall)"
                )

    if "property" in parts:
        spec = {
            "kind": "property",
            "examples": args.examples,
            "configs": configs,
            "reps": args.reps,
        }
        result = _in_process_of_its_own(spec) or {}
        report["property"] = result
        print(
            f"\nproperty test: retry isolation, 12-asset fan-out in chunks of 5, drawn fault "
            f"plans, a fresh Simulator per example, {args.examples} examples per round"
        )
        for key, row in result.items():
            print(
                f"  {key:<24}  {1 / row['cpu']:6.1f} examples/CPU-s  "
                f"{1 / row['wall']:6.1f} examples/wall-s  ({row['cpu'] * 1e3:.1f} ms CPU each)"
            )

    machine["load_after"] = _machine.load()
    print(f"\n{'load_after':<12} {machine['load_after']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out / 'results.json'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
