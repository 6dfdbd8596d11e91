"""The ``inngest-sim`` command line (also ``python -m inngest_sim``).

Commands:
  run      run any function (or every function of a client) from the shell
  report   render a saved trace as an HTML timeline (or a Perfetto / Chrome trace)
  dev      serve a local Inngest dev server for any SDK's tests
  check-deploy  check saved run histories against the current code
  runs pull     write histories of a live server's runs (its REST API v2)

Mistakes a user can make (module not found, no such function, bad JSON, bad
fault rule) print one line and exit with status 2; a run that did not complete
exits with 1.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inngest_sim._errors import SimError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inngest-sim", description="Test Inngest functions on a faithful fake executor."
    )
    parser.add_argument("--version", action="version", version=f"inngest-sim {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a function from MODULE:ATTR in the simulator")
    run.add_argument("target", metavar="MODULE:ATTR", help="an inngest.Function or inngest.Inngest")
    run.add_argument("--event", help="the event as JSON, or @path/to/event.json")
    run.add_argument("--fault", action="append", default=[], metavar="RULE", help="fault rule")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--report", type=Path, help="write an HTML timeline report here")
    run.add_argument("--trace", type=Path, help="write the trace (JSON) here")
    run.add_argument("--json", action="store_true", help="print the runs as JSON")

    report = commands.add_parser("report", help="render a saved trace as HTML or for Perfetto")
    report.add_argument("trace", help="a trace saved as JSON")
    report.add_argument(
        "--format",
        choices=("html", "perfetto"),
        default="html",
        help="html: the timeline page; perfetto: Chrome trace-event JSON for ui.perfetto.dev",
    )
    report.add_argument(
        "-o",
        "--output",
        help="the file to write (report.html, or report.perfetto.json for --format perfetto)",
    )

    dev = commands.add_parser("dev", help="serve a local Inngest dev server on loopback")
    dev.add_argument("--port", type=int, default=8288, help="the port (default 8288; 0: any)")
    dev.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="IPV4",
        help="the address to listen on (default 127.0.0.1; 0.0.0.0 inside a container)",
    )
    dev.add_argument(
        "-u", "--url", action="append", default=[], metavar="URL", help="sync this app at start"
    )
    dev.add_argument("--clock", choices=("real", "virtual"), default="real")
    dev.add_argument("--start", metavar="ISO", help="where virtual time starts (default: now)")
    dev.add_argument(
        "--hold-time",
        action="store_true",
        help="start with virtual time held: it moves only by POST /sim/time/advance",
    )
    dev.add_argument("--seed", type=int, default=0)
    dev.add_argument(
        "--no-auto-run",
        action="store_true",
        help="hold triggered runs until a test drains them (POST /sim/queue/drain)",
    )
    dev.add_argument(
        "--retry-delay",
        type=float,
        default=None,
        metavar="SECONDS",
        help="wait this long between retries instead of Inngest's backoff (15 s, 30 s, ...)",
    )
    dev.add_argument(
        "--no-checkpointing",
        action="store_true",
        help="drive TypeScript v4 apps one step per request (no ctx.fn_id/qi_id)",
    )
    dev.add_argument("--request-timeout", type=float, default=30.0, metavar="SECONDS")
    dev.add_argument(
        "--max-in-flight",
        type=int,
        default=64,
        metavar="N",
        help="at most N requests to apps at once; more wait their turn (default 64)",
    )
    dev.add_argument(
        "--max-running",
        type=int,
        default=10_000,
        metavar="N",
        help="while N runs are running, sends are refused with 429 + Retry-After (10000)",
    )
    dev.add_argument(
        "--keep-runs",
        type=int,
        default=None,
        metavar="N",
        help="keep the newest N finished runs, forgetting older ones (default: keep all)",
    )
    dev.add_argument(
        "--keep-events",
        type=int,
        default=None,
        metavar="M",
        help="keep at most the newest M events and other records of no run (API calls, "
        "realtime messages, signals); default: 10 x --keep-runs, or all without it",
    )
    dev.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name besides 127.0.0.1/localhost that requests may name (repeatable)",
    )
    dev.add_argument(
        "--allow-remote-apps",
        action="store_true",
        help="sync and call apps on other machines (default: loopback apps only)",
    )
    dev.add_argument(
        "--allow-app-moves",
        action="store_true",
        help="let an app synced from one URL sync again from another",
    )

    check = commands.add_parser(
        "check-deploy", help="would the runs in these histories survive the current code?"
    )
    check.add_argument(
        "target", metavar="MODULE:ATTR", help="an inngest.Function or inngest.Inngest"
    )
    check.add_argument(
        "--runs", required=True, type=Path, metavar="DIR", help="a folder of run histories (*.json)"
    )
    check.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="for each run that would not continue unchanged, write DIR/<history>.html and "
        "DIR/<history>.perfetto.json showing where it diverges",
    )
    runs = commands.add_parser("runs", help="run histories from a live Inngest server")
    runs_commands = runs.add_subparsers(dest="runs_command", required=True)
    pull = runs_commands.add_parser(
        "pull", help="write the histories of a server's runs, for inngest-sim check-deploy"
    )
    pull.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="the server's URL"
    )
    pull.add_argument("--out", required=True, type=Path, metavar="DIR", help="where to write")
    pull.add_argument("--run", action="append", default=[], metavar="ID", help="a run id")
    pull.add_argument("--app", help="the app id, with --function: every run of the function")
    pull.add_argument("--function", help="the function's id within its app (with --app)")
    pull.add_argument(
        "--status", default="RUNNING", help="runs in this state (default RUNNING; '' for all)"
    )
    pull.add_argument(
        "--signing-key",
        help="for Inngest Cloud (default: the INNGEST_SIGNING_KEY environment variable)",
    )
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("inngest-sim")
    except PackageNotFoundError:  # run from a checkout that is not installed
        from inngest_sim import __version__

        return __version__


def _run(args: argparse.Namespace) -> int:
    from inngest_sim._cli_run import RunOptions, run_target

    options = RunOptions(
        target=args.target,
        event=args.event,
        faults=tuple(args.fault),
        seed=args.seed,
        report=args.report,
        trace=args.trace,
        as_json=args.json,
    )
    return asyncio.run(run_target(options))


def _report(args: argparse.Namespace) -> int:
    from inngest_sim.report import main_report

    return main_report(args.trace, args.output, format=args.format)


#: What ``inngest-sim dev`` imports from its extra (pyproject's ``dev``).
DEV_EXTRA = ("uvicorn", "starlette", "graphql")


def _require_dev_extra() -> None:
    missing = []
    for module in DEV_EXTRA:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SimError(
            f"needs the [dev] extra, which is not installed (missing: {', '.join(missing)}); "
            "install it with: pip install 'inngest-sim[dev]'"
        )


def _dev(args: argparse.Namespace) -> int:
    _require_dev_extra()
    from inngest_sim._dev.main import serve
    from inngest_sim._dev.options import DevOptions

    options = DevOptions(
        port=args.port,
        urls=tuple(args.url),
        clock=args.clock,
        start=args.start,
        hold_time=args.hold_time,
        seed=args.seed,
        auto_run=not args.no_auto_run,
        retry_delay=args.retry_delay,
        checkpointing=not args.no_checkpointing,
        request_timeout=args.request_timeout,
        max_in_flight=args.max_in_flight,
        max_running=args.max_running,
        keep_runs=args.keep_runs,
        keep_events=args.keep_events,
        allowed_hosts=tuple(args.allow_host),
        allow_remote_apps=args.allow_remote_apps,
        host=args.host,
        allow_app_moves=args.allow_app_moves,
    )
    return asyncio.run(serve(options))


def _check_deploy(args: argparse.Namespace) -> int:
    from inngest_sim._cli_deploy import check_deploy_target

    if args.report is not None and args.report.exists() and not args.report.is_dir():
        # Checked before anything runs: a typo must not cost the check.
        raise SimError(f"--report {args.report}: is a file; give a folder for the reports")
    return asyncio.run(check_deploy_target(args.target, args.runs, args.report))


def _runs(args: argparse.Namespace) -> int:
    from inngest_sim._cli_pull import PullOptions, pull_runs

    options = PullOptions(
        source=args.source,
        out=args.out,
        run_ids=tuple(args.run),
        app=args.app,
        function=args.function,
        status=args.status,
        signing_key=args.signing_key or os.environ.get("INNGEST_SIGNING_KEY"),
    )
    return pull_runs(options)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "run": _run,
        "report": _report,
        "dev": _dev,
        "check-deploy": _check_deploy,
        "runs": _runs,
    }
    command = commands[args.command]
    try:
        return command(args)
    except SimError as exc:
        print(f"inngest-sim {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
