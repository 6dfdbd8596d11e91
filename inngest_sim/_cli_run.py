"""``inngest-sim run MODULE:ATTR``: run user functions in the simulator from the shell."""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import inngest

from inngest_sim._errors import InvalidArgument
from inngest_sim._simulator.simulator import Simulator
from inngest_sim.faults import parse_fault_rules
from inngest_sim.timeline import render_timeline

if TYPE_CHECKING:
    from inngest_sim._views.results import RunResult
    from inngest_sim.trace import Trace

__all__ = ["RunOptions", "load_target", "run_target"]


@dataclasses.dataclass(frozen=True, slots=True)
class RunOptions:
    target: str
    event: str | None = None
    faults: tuple[str, ...] = ()
    seed: int = 0
    report: Path | None = None
    trace: Path | None = None
    as_json: bool = False


def load_target(target: str) -> tuple[inngest.Inngest, list[Any], Any]:
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise InvalidArgument(f"{target!r} is not MODULE:ATTR (e.g. myapp.functions:process)")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))  # modules of the project the command runs in
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise InvalidArgument(f"cannot import module {module_name!r}: {exc}") from exc
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else module_name
        raise InvalidArgument(
            f"module {module_name!r} has a syntax error at {where}: {exc.msg}"
        ) from None
    except Exception as exc:  # the user's module raised while importing
        raise InvalidArgument(
            f"importing module {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from None
    if not hasattr(module, attr):
        raise InvalidArgument(f"module {module_name!r} has no attribute {attr!r}")
    obj = getattr(module, attr)
    values = list(vars(module).values())
    functions = [v for v in values if isinstance(v, inngest.Function)]
    clients = [v for v in values if isinstance(v, inngest.Inngest)]
    if isinstance(obj, inngest.Inngest):
        if not functions:
            raise InvalidArgument(f"module {module_name!r} defines no inngest functions")
        return obj, functions, obj
    if not isinstance(obj, inngest.Function):
        raise InvalidArgument(
            f"{target} is a {type(obj).__name__}; expected an inngest.Function or inngest.Inngest"
        )
    if len(clients) != 1:
        raise InvalidArgument(
            f"module {module_name!r} must define exactly one inngest.Inngest client "
            f"(found {len(clients)})"
        )
    return clients[0], functions, obj


def _event(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    text = raw
    if raw.startswith("@"):
        try:
            text = Path(raw[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidArgument(f"cannot read event file {raw[1:]!r}: {exc}") from exc
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidArgument(f"--event is not valid JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise InvalidArgument('--event must be a JSON object such as {"name": ..., "data": {...}}')
    return event


def _as_json(run: RunResult) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "function_id": run.function_id,
        "status": run.status,
        "output": run.output,
        "error": run.error,
        "steps": {
            key: {"attempts": [a.outcome for a in step.attempts], "executions": step.executions}
            for key, step in run.steps.items()
        },
    }


async def run_target(options: RunOptions) -> int:
    """Run the target and every run it starts; 0 when all of them completed, 1 otherwise."""
    # Output paths are checked before anything runs: a typo must not cost the run.
    report = writable(options.report, "--report") if options.report else None
    trace_path = writable(options.trace, "--trace") if options.trace else None
    client, functions, target = load_target(options.target)
    event = _event(options.event)
    plan = parse_fault_rules(options.faults, seed=options.seed) if options.faults else None
    async with Simulator(client, functions, faults=plan, seed=options.seed) as sim:
        if isinstance(target, inngest.Function):
            await sim.run(target, event=event)
        else:
            if event is None:
                raise InvalidArgument("running every function of a client needs --event")
            await sim.send(event)
        # Runs the first one started (send_event, invoke, lifecycle handlers) end too.
        runs = await sim.settle()
        trace = sim.trace
    if trace_path:
        _wrote("the trace", trace.save(trace_path), trace)
    if report:
        from inngest_sim.report import write_html

        _wrote("the timeline report", write_html(trace, report), trace)
    if options.as_json:
        print(json.dumps([_as_json(r) for r in runs], indent=2, default=str))
    else:
        print(render_timeline(trace))
        for run in runs:
            print(f"{run.function_id}: {run.status}")
    for rule in plan.rules if plan is not None else []:
        if not rule.called:
            print(
                f"inngest-sim run: warning: fault rule never matched: {rule.describe()}",
                file=sys.stderr,
            )
    return 0 if runs and all(r.status == "Completed" for r in runs) else 1


def writable(path: Path, flag: str) -> Path:
    """``path`` if a file can be written there (its folder made), else one clear error."""
    if path.is_dir():
        raise InvalidArgument(
            f"{flag} {path}: is a directory; give a file path such as {path / 'out'}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (NotADirectoryError, FileExistsError):
        raise InvalidArgument(f"{flag} {path}: a parent of it is a file, not a directory") from None
    except OSError as exc:
        raise InvalidArgument(f"{flag} {path}: cannot create its folder ({exc.strerror})") from None
    return path


def _wrote(what: str, path: Path, trace: Trace) -> None:
    # On stderr: stdout carries the timeline, or the JSON with --json.
    runs = len(trace.run_ids())
    print(
        f"inngest-sim run: wrote {what} to {path} ({runs} run{'s' * (runs != 1)}, "
        f"{len(trace)} records, {path.stat().st_size:,} bytes)",
        file=sys.stderr,
    )
