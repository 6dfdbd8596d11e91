"""A trace in the Chrome trace-event format, for ui.perfetto.dev and chrome://tracing.

The format is Chrome's "Trace Event Format" in its JSON object form
(``{"traceEvents": [...], ...}``). It was chosen over OpenTelemetry's JSON because a
file in it opens as it is, by drag and drop, offline, in the viewers people already
have (Perfetto's UI, ``chrome://tracing``, speedscope), while OTLP JSON needs a
collector and a tracing backend before anyone sees a span, and a step lane with
retries and backoffs maps onto tracks and slices more directly than onto span trees.

The layout follows the HTML report: one process per run, named after its function,
run id and status; in it, thread 1 is the run's span (queued to ended), the next
threads hold the SDK requests (one per row of requests that ran at once), and then
one thread per step lane, in the order steps first appeared, with a slice per
attempt, backoff, sleep, wait and planned span and an instant per injected fault. A
``step.invoke`` links its wait to the child run with a flow arrow. Records of no run
(events, API calls, realtime messages) are instants of a first process.

Time is virtual, in microseconds since the trace's first record. Requests often take
no virtual time, so within one instant records are spread one microsecond apart in
trace order: a zero-time attempt still has a width and a sequence reads in order
(a stretch of at most a microsecond per record, invisible next to real durations).
"""

from __future__ import annotations

import bisect
import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inngest_sim.report._fields import FIELD_LIMIT, record_fields, record_kind, short_text
from inngest_sim.report._layout import MARK, Stop
from inngest_sim.report._model import Element, RunModel, group_by_run
from inngest_sim.report._shared import json_text

if TYPE_CHECKING:
    from inngest_sim.trace import Record, Trace

__all__ = ["to_perfetto", "write_perfetto"]

RUN_THREAD = 1
FIRST_REQUEST_THREAD = 2
#: Args values are cut to this many characters: the viewer shows them in a side panel.
ARG_LIMIT = 2000


class _Clock:
    """Microsecond ticks for ``(t, seq)`` stops: virtual time, trace order within an instant."""

    def __init__(self, records: list[Record]) -> None:
        self.t0 = records[0].t if records else 0.0
        self.seqs: dict[int, int] = {}
        self.times: list[float] = []
        self.ticks: list[int] = []
        last = -1
        for i, record in enumerate(records):
            tick = max(self._us(record.t), last + 1)
            self.seqs[record.seq] = i
            self.times.append(record.t)
            self.ticks.append(tick)
            last = tick

    def _us(self, t: float) -> int:
        return round((t - self.t0) * 1e6)

    def at(self, stop: Stop) -> int:
        i = self.seqs.get(int(stop.seq)) if float(stop.seq).is_integer() else None
        if i is not None and self.times[i] == stop.t:
            return self.ticks[i]
        # A moment no record has (a backoff's end): the drift of the next record after it.
        i = bisect.bisect_left(self.times, stop.t)
        if i >= len(self.times):
            drift = self.ticks[-1] - self._us(self.times[-1]) if self.times else 0
            return self._us(stop.t) + drift
        return min(self.ticks[i], self._us(stop.t) + self.ticks[i] - self._us(self.times[i]))


def _args(fields: dict[str, Any]) -> dict[str, Any]:
    """Args for the viewer's side panel: small values as they are, big ones as cut text."""
    out = {}
    for key, value in fields.items():
        if value is None or value == "" or value == []:
            continue
        text = json_text(value)
        out[key] = value if len(text) <= ARG_LIMIT else short_text(text, ARG_LIMIT)
    return out


def _pack(items: list[tuple[int, int]]) -> list[int]:
    """A row for each ``(start, end)``: the first whose last slice ended by then.

    Slices on one thread must nest or not touch: parallel requests (and the rare
    overlapping spans of one lane) get rows of their own.
    """
    ends: list[int] = []
    rows = []
    for start, end in items:
        row = next((r for r, last in enumerate(ends) if start >= last), len(ends))
        if row == len(ends):
            ends.append(end)
        ends[row] = max(end, start)
        rows.append(row)
    return rows


class _Process:
    """The events of one run (one process)."""

    def __init__(self, pid: int, model: RunModel, clock: _Clock) -> None:
        self.pid = pid
        self.model = model
        self.clock = clock
        self.events: list[dict[str, Any]] = []
        self.threads: list[tuple[int, str]] = []
        self.lane_tids: dict[str, int] = {}
        self.summary: dict[str, Any] = {}

    def slice(self, tid: int, name: str, cat: str, a: int, b: int, args: dict[str, Any]) -> None:
        self.events.append(
            {
                "name": name,
                "cat": cat,
                "ph": "X",
                "ts": a,
                "dur": max(0, b - a),
                "pid": self.pid,
                "tid": tid,
                "args": _args(args),
            }
        )

    def instant(self, tid: int, name: str, cat: str, at: int, args: dict[str, Any]) -> None:
        self.events.append(
            {
                "name": name,
                "cat": cat,
                "ph": "i",
                "s": "t",
                "ts": at,
                "pid": self.pid,
                "tid": tid,
                "args": _args(args),
            }
        )

    def build(self) -> tuple[int, int]:
        """Add every event; return the run span's (start, end) ticks."""
        m = self.model
        lanes = m.ordered_lanes()
        at = self.clock.at
        queued = m.queued
        summary = self.summary = m.summary()
        start = at(m.start_stop)
        end = at(m.end_stop)
        self.threads.append((RUN_THREAD, "run"))
        self.slice(
            RUN_THREAD,
            f"run {summary['status']}",
            "run",
            start,
            end,
            {
                "run_id": m.run_id,
                "function_id": summary["fn"],
                "status": summary["status"],
                "event": queued.event if queued else None,
                "parent_run_id": queued.parent_run_id if queued else None,
                "output": m.ended.output if m.ended else None,
                "error": m.ended.error if m.ended else None,
                "steps": summary["steps"],
                "attempts": summary["attempts"],
            },
        )
        requests = sorted(m.reqs, key=lambda e: (at(e[1]), at(e[2])))
        rows = _pack([(at(a), at(b)) for _, a, b in requests])
        for row in range(max(rows, default=-1) + 1):
            label = "SDK requests" if row == 0 else f"SDK requests {row + 1}"
            self.threads.append((FIRST_REQUEST_THREAD + row, label))
        for (req, a, b), row in zip(requests, rows, strict=True):
            name = "discovery" if req["tg"] is None else f"request {req['tg']}"
            args = {
                "request_id": req["r"],
                "attempt": req["n"],
                "status": req.get("st", "no response"),
                "ops": req.get("ops"),
                "wall_ms": round(req["w"] * 1000, 3) if "w" in req else None,
            }
            self.slice(FIRST_REQUEST_THREAD + row, name, "request", at(a), at(b), args)
        next_tid = FIRST_REQUEST_THREAD + max(1, max(rows, default=0) + 1)
        self._lanes(lanes, next_tid)
        return start, end

    def _lanes(self, lanes: list[Any], first_tid: int) -> None:
        at = self.clock.at
        m = self.model
        by_lane: dict[str, list[tuple[str, Element]]] = {lane.name: [] for lane in lanes}
        for bar in m.bars:
            by_lane[bar[0]["step"]].append(("attempt", bar))
        for span in m.spans:
            step = span[0].get("step")
            if isinstance(step, str) and step in by_lane:
                by_lane[step].append((span[0]["k"], span))
            else:  # a retry of a request that belongs to no step: inside the run's span
                element, a, b = span
                self._lane_slice(RUN_THREAD, None, element["k"], element, at(a), at(b))
        tid = first_tid
        for lane in lanes:
            items = sorted(by_lane[lane.name], key=lambda e: (at(e[1][1]), -at(e[1][2])))
            rows = _pack([(at(a), at(b)) for _, (_, a, b) in items]) if items else []
            tids = [tid + r for r in range(max(rows, default=0) + 1)]
            self.lane_tids[lane.name] = tids[0]
            for r, row_tid in enumerate(tids):
                self.threads.append((row_tid, lane.name if r == 0 else f"{lane.name} ({r + 1})"))
            for (cat, (element, a, b)), row in zip(items, rows, strict=True):
                self._lane_slice(tids[row], lane, cat, element, at(a), at(b))
            for mark, stop, step in m.marks:
                if step == lane.name and mark["k"] in ("fault", "record"):
                    self.instant(tids[0], mark["label"], mark["k"], at(stop), mark.get("f", {}))
            tid = tids[-1] + 1
        for mark, stop, step in m.marks:
            if (step is None or step not in by_lane) and mark["k"] in ("fault", "record"):
                self.instant(RUN_THREAD, mark["label"], mark["k"], at(stop), mark.get("f", {}))

    def _lane_slice(
        self, tid: int, lane: Any, cat: str, element: dict[str, Any], a: int, b: int
    ) -> None:
        if cat == "attempt":
            outcome = element["o"]
            err = element.get("err") or {}
            args: dict[str, Any] = {
                "attempt": element["n"],
                "outcome": outcome,
                "request_id": element["r"],
                "wall_ms": round(element["w"] * 1000, 3),
                "error": f"{err.get('name')}: {err.get('message')}" if err else None,
            }
            if outcome == "ok" and lane is not None and lane.value is not None:
                args["output"] = lane.value["text"]
                args["output_bytes"] = lane.bytes
            self.slice(tid, f"{element['step']} #{element['n']}", f"attempt,{outcome}", a, b, args)
        elif cat == "backoff":
            args = {"delay_s": element["delay"], "next_attempt": element["next"]}
            args["reason"] = element["reason"]
            self.slice(tid, f"backoff {element['delay']:g}s", "backoff", a, b, args)
        elif cat == "planned":
            self.slice(tid, "planned", "planned", a, b, {})
        else:
            self.slice(tid, f"{cat} {element.get('op', '')}".strip(), cat, a, b, element["detail"])

    def metadata(self, name: str) -> list[dict[str, Any]]:
        meta = [
            _meta(self.pid, 0, "process_name", {"name": name}),
            _meta(self.pid, 0, "process_sort_index", {"sort_index": self.pid}),
        ]
        for tid, label in self.threads:
            meta.append(_meta(self.pid, tid, "thread_name", {"name": label}))
            meta.append(_meta(self.pid, tid, "thread_sort_index", {"sort_index": tid}))
        return meta


def _meta(pid: int, tid: int, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "ph": "M", "pid": pid, "tid": tid, "args": args}


def to_perfetto(trace: Trace) -> dict[str, Any]:
    """``trace`` as a Chrome trace-event JSON object: open it in ui.perfetto.dev.

    One process per run (its span, SDK requests, a thread per step lane), flow
    arrows from an invoke to its child run, and the records of no run as instants.
    Times are virtual microseconds since the first record (see the module docstring).
    """
    records = list(trace)
    clock = _Clock(records)
    groups, others = group_by_run(trace)
    events: list[dict[str, Any]] = []
    meta: list[dict[str, Any]] = []
    spans: dict[str, tuple[int, int]] = {}
    processes = []
    for pid, (run_id, run_records) in enumerate(groups.items(), start=1):
        process = _Process(pid, RunModel(run_id, run_records), clock)
        spans[run_id] = process.build()
        summary = process.summary
        meta += process.metadata(f"{summary['fn']} · {run_id} · {summary['status']}")
        events += process.events
        processes.append(process)
    events += _flows(processes, spans)
    if others:
        meta.append(_meta(0, 0, "process_name", {"name": "events and API"}))
        meta.append(_meta(0, 0, "process_sort_index", {"sort_index": 0}))
        meta.append(_meta(0, 1, "thread_name", {"name": "events and API"}))
        events += [_other(record, clock) for record in others]
    events.sort(key=lambda e: (e["ts"], e["pid"], e["tid"], -e.get("dur", 0)))
    return {
        "traceEvents": meta + events,
        "displayTimeUnit": "ms",
        "otherData": {
            "generator": "inngest-sim",
            "records": len(records),
            "runs": len(groups),
            "clock": "virtual µs since the first record; within an instant, 1 µs per record",
        },
    }


def _other(record: Record, clock: _Clock) -> dict[str, Any]:
    """An instant for a record of no run: an event, an API call, a realtime message."""
    fields = {k: v for k, v in record_fields(record).items() if k not in ("seq", "t", "wall")}
    kind = record_kind(record)
    name = kind
    event = fields.get("event")
    if kind == "event_received" and isinstance(event, dict):
        name = f"event {short_text(event.get('name'), FIELD_LIMIT)}"
    return {
        "name": name,
        "cat": kind,
        "ph": "i",
        "s": "t",
        "ts": clock.at(Stop(record.t, record.seq, MARK)),
        "pid": 0,
        "tid": 1,
        "args": _args(fields),
    }


def _flows(processes: list[_Process], spans: dict[str, tuple[int, int]]) -> list[dict[str, Any]]:
    """Flow arrows from each invoke's wait to the child run's span."""
    flows = []
    ids = itertools.count(1)
    for process in processes:
        for element, a, _ in process.model.spans:
            child = (element.get("detail") or {}).get("child_run_id")
            if element.get("op") != "InvokeFunction" or child not in spans:
                continue
            tid = process.lane_tids[element["step"]]
            flow = next(ids)
            child_pid = next(p.pid for p in processes if p.model.run_id == child)
            common = {"name": "invoke", "cat": "invoke", "id": flow}
            start = process.clock.at(a)
            flows.append({**common, "ph": "s", "ts": start, "pid": process.pid, "tid": tid})
            flows.append(
                {
                    **common,
                    "ph": "f",
                    "bp": "e",
                    "ts": max(start, spans[child][0]),
                    "pid": child_pid,
                    "tid": RUN_THREAD,
                }
            )
    return flows


def write_perfetto(trace: Trace, path: str | Path) -> Path:
    """Write ``to_perfetto`` to ``path`` as JSON (making its directory); return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_perfetto(trace), separators=(",", ":")), encoding="utf-8")
    return path
