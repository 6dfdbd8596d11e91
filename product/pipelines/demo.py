"""``inngest-sim demo``: the four lecture pipelines on the simulator, end to end.

It creates a sample lecture, sends the four ``lecture/*.requested`` events, and lets the
simulator run every function on the local media provider (real PNG, WAV and GIF files, no
keys, no network), with a few faults injected: a segment the provider refuses as
sensitive, transient provider errors and one lost response. It shows live progress (read
through `ProgressFeed`, so repeated messages count once), then a summary per function, and
writes the media, the trace and an HTML timeline report.

Storage is embedded by default (SQLite and a local directory under ``--out``);
``LECTURE_STORE_URL`` (e.g. ``postgresql://...``) and ``LECTURE_ASSET_STORE_URL`` (e.g.
``s3://bucket/prefix?endpoint=...``) put the lecture and the media there instead.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from inngest_sim import Backoff, Limits, RunResult, Simulator, parse_fault_rules
from inngest_sim.timeline import format_duration
from inngest_sim.trace import Published, RunEnded, RunQueued
from pipelines.assets import LocalAssetStore, open_asset_store
from pipelines.client import create_client
from pipelines.functions import FUNCTION_IDS, PIPELINES, TRIGGERS, build_functions
from pipelines.progress import ProgressFeed
from pipelines.services import Services
from pipelines.store import create_sample_lecture, open_store

if TYPE_CHECKING:
    from collections.abc import Mapping

    from inngest_sim.trace import Record

__all__ = ["DEFAULT_FAULTS", "DemoOptions", "run_demo"]

LECTURE_ID = "sample-lecture"
USER_ID = "demo-user"
SENSITIVE_SEGMENT = 2
DEFAULT_FAULTS = (
    "transient:image-1-*:first=2",
    "transient:narration-4:first=1",
    "transient:start-image-5:first=1",
    "lose_response:image-3-0:attempts=0",
    "lose_response:progress-images-0:attempts=0",
)
MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True, slots=True)
class DemoOptions:
    out: Path = Path("inngest-sim-out")
    segments: int = 6
    chunk_size: int = 5
    seed: int = 0
    faults: tuple[str, ...] = DEFAULT_FAULTS
    no_faults: bool = False


class _Progress:
    """What the live view shows, updated from progress messages and the trace."""

    def __init__(self, sim: Simulator, started: float) -> None:
        self.sim = sim
        self.started = started
        self.status: dict[str, str] = dict.fromkeys(FUNCTION_IDS, "queued")
        self.feed = ProgressFeed()

    def on_record(self, record: Record) -> None:
        if isinstance(record, RunQueued):
            self.status[_local(record.function_id)] = "running"
        elif isinstance(record, RunEnded):
            self.status[_local(record.function_id)] = record.status.lower()
        elif isinstance(record, Published):
            self.on_publish(record.topic, record.data)

    def on_publish(self, topic: str, data: Any) -> None:
        self.feed.accept(topic, data)

    def render(self) -> Table:
        table = Table(title="inngest-sim demo: lecture media pipelines", title_justify="left")
        for column in ("function", "status", "assets done", "failed"):
            table.add_column(column)
        by_topic = {run.topic: run for run in self.feed.runs.values()}
        for function_id in FUNCTION_IDS:
            run = by_topic.get(_TOPIC_OF_FUNCTION[function_id])
            ok, failed, total = (run.ok, run.failed, run.total) if run else (0, 0, 0)
            done = f"{ok}/{total}" if total else str(ok)
            table.add_row(function_id, self.status[function_id], done, str(failed))
        clock = self.sim.clock.now() - self.started
        repeats = (
            f", {self.feed.duplicates} repeated message(s) dropped" if self.feed.duplicates else ""
        )
        table.caption = f"virtual time +{format_duration(clock)}{repeats}"
        return table


# The progress topic of each function.
_TOPIC_OF_FUNCTION = {p.function_id: p.topic for p in PIPELINES}


def _local(function_id: str) -> str:
    return (
        function_id.split("-", 2)[-1] if function_id.startswith("lecture-media-") else function_id
    )


def _size(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size / 1024:.1f} KiB"


def _summary(runs: list[RunResult], chunk: int, limits: Limits) -> Table:
    table = Table(title="Summary", title_justify="left")
    for column in (
        "function",
        "status",
        "ok",
        "failed (codes)",
        "attempts",
        "retries",
        "virtual",
        "wall",
        "peak/chunk",
        f"steps/{limits.max_steps}",
        "state/32 MiB",
    ):
        table.add_column(column, no_wrap=column in ("function", "failed (codes)"))
    for run in runs:
        output = run.output if isinstance(run.output, dict) else {}
        codes = Counter(str(f.get("code")) for f in output.get("failures", []))
        failed = ", ".join(f"{n} {code}" for code, n in sorted(codes.items())) or "0"
        attempts = sum(len(s.attempts) for s in run.steps.values())
        retries = sum(s.retries for s in run.steps.values())
        table.add_row(
            _local(run.function_id).removeprefix("generate-"),
            run.status,
            str(output.get("generated", "-")),
            failed,
            str(attempts),
            str(retries),
            format_duration(run.virtual_duration.total_seconds()),
            f"{run.wall_seconds:.2f}s",
            f"{run.max_concurrency()}/{chunk}",
            str(run.step_count),
            _size(run.state_bytes),
        )
    return table


async def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    """Run the demo; returns 0 when every pipeline run completed."""
    # Piped output (CI logs) gets a width that fits the summary table.
    console = console or Console(width=None if Console().is_terminal else 160)
    out = options.out.resolve()
    if (out / "data").exists():
        shutil.rmtree(out / "data")  # a fresh lecture each time; reports are overwritten
    sensitive = () if options.no_faults else (SENSITIVE_SEGMENT,)
    plan = None if options.no_faults else parse_fault_rules(options.faults, seed=options.seed)
    services = _services(out / "data", options, env=os.environ)
    create_sample_lecture(
        services.store,
        lecture_id=LECTURE_ID,
        owner_user_id=USER_ID,
        segments=options.segments,
        sensitive_segments=[s for s in sensitive if s < options.segments],
        replace=True,  # a database given by LECTURE_STORE_URL outlives the demo
    )
    client = create_client(is_production=False)
    limits = Limits()
    wall_started = time.perf_counter()
    async with Simulator(
        client,
        build_functions(client, services),
        seed=options.seed,
        faults=plan,
        backoff=Backoff(),
        limits=limits,
    ) as sim:
        progress = _Progress(sim, sim.clock.now())
        sim.trace.subscribe(progress.on_record)
        with Live(progress.render(), console=console, refresh_per_second=8) as live:
            sim.trace.subscribe(lambda _record: live.update(progress.render()))
            data = {"lecture_id": LECTURE_ID, "user_id": USER_ID}
            await sim.send([{"name": TRIGGERS[fid], "data": data} for fid in FUNCTION_IDS])
            await sim.settle()
            live.update(progress.render())
        runs = [r for r in sim.runs if _local(r.function_id) in FUNCTION_IDS]
        trace = sim.trace
    await services.aclose()
    wall = time.perf_counter() - wall_started
    console.print()
    console.print(_summary(runs, options.chunk_size, limits))
    report = _write_outputs(out, trace)
    console.print(
        f"\n{len(runs)} runs in {wall:.1f}s of wall time.\nLectures: {services.store!r}\n"
        f"{_media(services)}\nTimeline report: {report}\nTrace: {out / 'trace.json'}"
    )
    made = sum(_generated(r) for r in runs)
    if runs and made == 0:
        console.print(f"\n[bold red]No asset was made.[/] {_why(runs)}")
        return 1
    return 0 if runs and all(r.status == "Completed" for r in runs) else 1


def _generated(run: RunResult) -> int:
    output = run.output if isinstance(run.output, dict) else {}
    generated = output.get("generated", 0)
    return generated if isinstance(generated, int) else 0


def _why(runs: list[RunResult]) -> str:
    """The failures of runs that made nothing, most frequent first, with one example each."""
    seen: Counter[tuple[str, str]] = Counter()
    example: dict[tuple[str, str], str] = {}
    for run in runs:
        output = run.output if isinstance(run.output, dict) else {}
        for failure in output.get("failures", []):
            key = (str(failure.get("code")), str(failure.get("provider")))
            seen[key] += 1
            example.setdefault(key, str(failure.get("message", ""))[:200])
        if run.status != "Completed" and run.error:
            key = ("run failed", run.function_id)
            seen[key] += 1
            example.setdefault(key, str(run.error.get("message", ""))[:200])
    parts = [
        f"{n} x {code} from {who}: {example[(code, who)]}" for (code, who), n in seen.most_common()
    ]
    return "; ".join(parts) or "no run reported a failure"


def _services(data: Path, options: DemoOptions, *, env: Mapping[str, str]) -> Services:
    """Local providers always; the stores the environment names, else embedded ones."""
    fields: dict[str, object] = {"chunk_size": options.chunk_size}
    if env.get("LECTURE_STORE_URL", "").strip():
        fields["store"] = open_store(env["LECTURE_STORE_URL"].strip())
    if env.get("LECTURE_ASSET_STORE_URL", "").strip():
        fields["assets"] = open_asset_store(env["LECTURE_ASSET_STORE_URL"].strip())
    return Services.local(data, **fields)


def _media(services: Services) -> str:
    if isinstance(services.assets, LocalAssetStore):
        root = services.assets.root
        files = sum(1 for p in (root / "sha256").rglob("*") if p.is_file())
        return f"Wrote {files} media files under {root}"
    return f"Media: {services.assets!r}"


def _write_outputs(out: Path, trace: Any) -> Path:
    from inngest_sim.report import write_html

    trace.save(out / "trace.json")
    return write_html(trace, out / "report.html", title="inngest-sim demo: lecture media")
