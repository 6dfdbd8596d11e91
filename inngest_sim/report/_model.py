"""What a report draws, read from the trace: one JSON-ready model per run.

Each run becomes lanes (one per step, in the order steps first appeared) and
elements on them: attempt bars, spans (backoff, sleep, wait, planned), the SDK
requests of the run lane and markers. Every element starts and ends at a
``Stop``, and the run's ``TimeLayout`` turns stops into axis units.
Record kinds this module does not know become generic markers, so a trace
from a newer simulator still renders.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim.report._fields import (
    FIELD_LIMIT,
    describe_other,
    details,
    record_fields,
    record_kind,
    short_text,
)
from inngest_sim.report._layout import (
    END,
    MARK,
    START,
    Interval,
    Stop,
    TimeLayout,
    chunks,
    concurrency,
    round_x,
)
from inngest_sim.report._shared import Page
from inngest_sim.trace import (
    BodyExecuted,
    FaultApplied,
    Record,
    RequestSent,
    ResponseHandled,
    RetryScheduled,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Waiting,
)

if TYPE_CHECKING:
    from inngest_sim.trace import Trace

__all__ = ["Element", "RunModel", "build_model", "group_by_run"]

RUN_LANE = -1
OTHERS_LIMIT = 500

Element = tuple[dict[str, Any], Stop, Stop]


@dataclasses.dataclass(slots=True)
class _Lane:
    name: str
    first: tuple[float, int]
    attempts: int = 0
    outcome: str | None = None
    wait: str | None = None
    memo: str | None = None
    bytes: int | None = None
    #: The saved value's preview (``Page.value``), once the step saved one.
    value: dict[str, Any] | None = None
    #: A failure the step returned as its output (``{"ok": false, ...}``): the step
    #: succeeded, the work it stands for did not.
    returned: dict[str, str] | None = None


class RunModel:
    """Reads one run's records (in trace order) into lanes and elements."""

    def __init__(self, run_id: str, records: list[Record], page: Page | None = None) -> None:
        self.run_id = run_id
        self.records = records
        self.page = page or Page()
        self.queued = next((r for r in records if isinstance(r, RunQueued)), None)
        self.ended = next((r for r in reversed(records) if isinstance(r, RunEnded)), None)
        self.t0 = self.queued.t if self.queued else records[0].t
        first, last = self.queued or records[0], self.ended or records[-1]
        self.start_stop = Stop(first.t, first.seq, MARK)
        self.end_stop = Stop(last.t, last.seq, MARK)
        self.children: list[str] = []
        self.handled = {r.request_id: r for r in records if isinstance(r, ResponseHandled)}
        self.lanes: dict[str, _Lane] = {}
        self.bars: list[Element] = []
        self.spans: list[Element] = []
        self.reqs: list[Element] = []
        self.marks: list[tuple[dict[str, Any], Stop, str | None]] = []
        self._open_waits: dict[str, tuple[dict[str, Any], Stop, Waiting]] = {}
        self._since_response: list[StepAttempt] = []
        self._planned: list[tuple[dict[str, Any], Stop, str]] = []
        self._executions: dict[str, int] = {}
        self._closed = False
        for record in records:
            self._read(record)

    def rel(self, t: float) -> float:
        return round(t - self.t0, 6)

    def lane(self, name: str, seq: float) -> _Lane:
        lane = self.lanes.get(name)
        if lane is None:
            lane = self.lanes[name] = _Lane(name, (seq, len(self.lanes)))
        elif seq < lane.first[0]:
            lane.first = (seq, lane.first[1])
        return lane

    # ----------------------------------------------------------------- reading
    def _read(self, rec: Record) -> None:
        here = Stop(rec.t, rec.seq, MARK)
        if isinstance(rec, RunQueued):
            name = rec.event.get("name") if isinstance(rec.event, dict) else None
            self.marks.append(({"k": "queued", "label": f"queued by {name}"}, here, None))
        elif isinstance(rec, RunEnded):
            label = f"run {rec.status}"
            self.marks.append(
                ({"k": "end", "label": label, "err": self.page.error(rec.error)}, here, None)
            )
        elif isinstance(rec, RequestSent):
            self._request(rec)
        elif isinstance(rec, ResponseHandled):
            self._response(rec)
        elif isinstance(rec, StepAttempt):
            self._attempt(rec)
        elif isinstance(rec, StepSaved):
            self._saved(rec)
        elif isinstance(rec, RetryScheduled):
            self._retry(rec)
        elif isinstance(rec, Waiting):
            self._waiting(rec)
        elif isinstance(rec, BodyExecuted):
            # Counted, not a lane: a body whose request never answered is no step.
            self._executions[rec.step] = self._executions.get(rec.step, 0) + 1
        elif isinstance(rec, FaultApplied):
            mark = {"k": "fault", "label": f"fault {rec.effect} ({rec.rule})", "f": details(rec)}
            self.marks.append((mark, here, rec.step))
        else:
            step = record_fields(rec).get("step")
            mark = {"k": "record", "label": record_kind(rec), "f": details(rec)}
            self.marks.append((mark, here, step if isinstance(step, str) else None))

    def _request(self, rec: RequestSent) -> None:
        reply = self.handled.get(rec.request_id)
        end = Stop(reply.t, reply.seq, END) if reply else self.end_stop
        element: dict[str, Any] = {
            "r": rec.request_id,
            "tg": rec.target,
            "n": rec.attempt,
            "k": "discovery" if rec.target is None else "step",
            "ts": self.rel(rec.t),
            "te": self.rel(end.t),
            "api": rec.use_api,
        }
        if reply is None:
            element["open"] = True
        else:
            element.update(
                st=reply.status,
                ops=[short_text(op, FIELD_LIMIT) for op in reply.ops[:8]],
                nops=len(reply.ops),
                w=reply.wall_seconds,
                bytes=reply.body_bytes,
                bad=bool(reply.error) or reply.status >= 500,
            )
        self.reqs.append((element, Stop(rec.t, rec.seq, START), end))

    def _response(self, rec: ResponseHandled) -> None:
        self._since_response = []
        for op in rec.ops:
            name, _, key = op.partition(":")
            if name == "StepPlanned" and key:
                self.lane(key, rec.seq)
                span = {"k": "planned", "ts": self.rel(rec.t), "label": "planned"}
                self._planned.append((span, Stop(rec.t, rec.seq, END), key))

    def _attempt(self, rec: StepAttempt) -> None:
        self._since_response.append(rec)
        lane = self.lane(rec.step, rec.start_seq)
        lane.attempts += 1
        lane.outcome = rec.outcome
        reply = self.handled.get(rec.request_id)
        end = Stop(reply.t, reply.seq, END) if reply else Stop(rec.t, rec.seq, END)
        bar = {
            "step": rec.step,
            "o": rec.outcome,
            "n": rec.attempt,
            "r": rec.request_id,
            "ts": self.rel(rec.start),
            "te": self.rel(end.t),
            "w": rec.wall_seconds,
            "err": self.page.error(rec.error),
        }
        self.bars.append((bar, Stop(rec.start, rec.start_seq, START), end))

    def _saved(self, rec: StepSaved) -> None:
        lane = self.lane(rec.step, rec.seq)
        lane.memo, lane.bytes = rec.memo, rec.bytes
        lane.value = self.page.value(rec.value, rec.bytes)
        lane.returned = returned_failure(rec.value) if rec.memo == "data" else None
        waiting = self._open_waits.pop(rec.step, None)
        if waiting is not None:
            span, start, _ = waiting
            span["te"] = self.rel(rec.t)
            self.spans.append((span, start, Stop(rec.t, rec.seq, MARK)))

    def _retry(self, rec: RetryScheduled) -> None:
        step = rec.step
        if step is None:
            # A retry of a discovery request: it belongs to the step that errored in it.
            failed = [a for a in self._since_response if a.outcome in ("error", "failed")]
            step = failed[-1].step if failed else None
        span = {
            "k": "backoff",
            "step": step,
            "ts": self.rel(rec.t),
            "te": self.rel(rec.t + rec.delay),
            "delay": rec.delay,
            "next": rec.next_attempt,
            "reason": rec.reason,
        }
        if step is not None:
            self.lane(step, rec.seq)
        end = Stop(rec.t + rec.delay, rec.seq, MARK)
        self.spans.append((span, Stop(rec.t, rec.seq, MARK), end))

    def _waiting(self, rec: Waiting) -> None:
        lane = self.lane(rec.step, rec.seq)
        lane.wait = "sleep" if rec.op == "Sleep" else "wait"
        span: dict[str, Any] = {
            "k": lane.wait,
            "step": rec.step,
            "op": rec.op,
            "ts": self.rel(rec.t),
            "until": None if rec.until is None else self.rel(rec.until),
            "detail": {k: short_text(v, FIELD_LIMIT) for k, v in list(rec.detail.items())[:12]},
        }
        child = rec.detail.get("child_run_id")
        if rec.op == "InvokeFunction" and isinstance(child, str):
            self.children.append(child)
        self._open_waits[rec.step] = (span, Stop(rec.t, rec.seq, MARK), rec)

    # ---------------------------------------------------------------- finishing
    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        starts: dict[str, list[Stop]] = {}
        for bar, start, _ in self.bars:
            starts.setdefault(bar["step"], []).append(start)
        for span, at, key in self._planned:
            later = [s for s in starts.get(key, []) if s.seq > at.seq]
            end = min(later, key=lambda s: s.seq) if later else at
            span["step"], span["te"] = key, self.rel(end.t)
            self.spans.append((span, at, end))
        for span, start, rec in self._open_waits.values():
            ends_first = rec.until is not None and (self.ended is None or rec.until <= self.ended.t)
            end = Stop(rec.until, rec.seq, MARK) if ends_first and rec.until else self.end_stop
            span["te"], span["open"] = self.rel(end.t), True
            self.spans.append((span, start, end))
        self._open_waits = {}

    def ordered_lanes(self) -> list[_Lane]:
        """The lanes in the order steps first appeared, with every element read."""
        self._close()
        return sorted(self.lanes.values(), key=lambda lane: lane.first)

    def to_json(self, raw: tuple[list[dict[str, Any]], int] = ([], 0)) -> dict[str, Any]:
        """The run for the page; ``raw``: its records for the JSON view, and how many
        were left out (``Page.raw``)."""
        order = self.ordered_lanes()
        completed = self.ended is not None and self.ended.status == "Completed"
        index = {lane.name: i for i, lane in enumerate(order)}
        stops = [s for _, a, b in (*self.bars, *self.spans, *self.reqs) for s in (a, b)]
        stops += [at for _, at, _ in self.marks]
        layout = TimeLayout(stops, [(a, b) for _, a, b in self.reqs], self.t0)

        def place(elements: list[Element]) -> list[dict[str, Any]]:
            placed = []
            for element, a, b in elements:
                step = element.pop("step", None)
                element["l"] = index.get(step, RUN_LANE) if isinstance(step, str) else RUN_LANE
                element["a"], element["b"] = round_x(layout.x(a)), round_x(layout.x(b))
                placed.append(element)
            return placed

        executed = [(bar, a, b) for bar, a, b in self.bars if bar["o"] != "planned"]
        intervals = [Interval(a, b, bar["step"]) for bar, a, b in executed]
        bars = place(self.bars)
        curve, peak = concurrency((bar["a"], bar["b"]) for bar in bars if bar["o"] != "planned")
        marks = []
        for mark, at, step in self.marks:
            mark["l"] = index.get(step, RUN_LANE) if step else RUN_LANE
            mark["a"], mark["ts"] = round_x(layout.x(at)), self.rel(at.t)
            marks.append(mark)
        return {
            **self.summary(),
            "payload": self.page.value(self.queued.event) if self.queued else None,
            # A failed run's output is its error, shown as such.
            "output": self.page.value(self.ended.output) if self.ended and completed else None,
            "raw": raw[0],
            "rawOmitted": raw[1],
            "lanes": [_lane_json(lane, self._executions.get(lane.name)) for lane in order],
            "bars": bars,
            "spans": place(self.spans),
            "reqs": place(self.reqs),
            "marks": marks,
            "chunks": chunks(intervals, layout),
            "conc": curve,
            "peak": peak,
            "total": round_x(layout.total),
            "axis": [[round(a, 6), round(b, 6), round_x(x)] for a, b, x in layout.pieces],
            "gaps": [[round_x(a), round_x(b), dt, round(t, 6)] for a, b, dt, t in layout.gaps],
            "orderOnly": layout.order_only,
        }

    def summary(self) -> dict[str, Any]:
        """Status, function, event, figures, parent and children of the run."""
        saved = [r for r in self.records if isinstance(r, StepSaved)]
        last = self.ended or self.records[-1]
        outcomes = [bar["o"] for bar, _, _ in self.bars]
        event = self.queued.event if self.queued else {}
        return {
            "id": self.run_id,
            "fn": self.queued.function_id if self.queued else "(unknown function)",
            "event": event.get("name") if isinstance(event, dict) else None,
            "status": self.ended.status if self.ended else "Running",
            "error": self.page.error(self.ended.error) if self.ended else None,
            "parent": self.queued.parent_run_id if self.queued else None,
            "children": self.children,
            "t0": self.t0,
            "dur": round(last.t - self.t0, 6),
            "wall": round(last.wall - (self.queued or self.records[0]).wall, 6),
            "steps": self.ended.step_count
            if self.ended
            else (saved[-1].step_count if saved else 0),
            "state": self.ended.state_bytes
            if self.ended
            else (saved[-1].state_bytes if saved else 0),
            "attempts": sum(1 for o in outcomes if o != "planned"),
            "retries": outcomes.count("error"),
            "requests": len(self.reqs),
        }


def _lane_json(lane: _Lane, executions: int | None) -> dict[str, Any]:
    outcome = lane.outcome or lane.wait or ("ok" if lane.memo is not None else "other")
    out = {
        "name": lane.name,
        "o": outcome,
        "n": lane.attempts,
        "x": executions,
        "memo": lane.memo,
        "bytes": lane.bytes,
        "val": lane.value,
    }
    if lane.returned is not None:
        out["rf"] = lane.returned
    return out


def returned_failure(value: Any) -> dict[str, str] | None:
    """The failure a successful step returned, by the result convention
    ``{"ok": false, "error": ...}`` (an error that is a string, or an object with
    ``code``/``message``), else None."""
    if not isinstance(value, dict) or value.get("ok") is not False:
        return None
    error = value.get("error")
    if isinstance(error, dict):
        code, message = error.get("code"), error.get("message")
        return {"code": str(code or ""), "message": str(message or "")[:200]}
    return {"code": "", "message": str(error or "")[:200]}


def group_by_run(trace: Trace) -> tuple[dict[str, list[Record]], list[Record]]:
    """Each run's records (runs in the order they appear), and the records of no run."""
    groups: dict[str, list[Record]] = {}
    others: list[Record] = []
    for record in trace:
        run_id = getattr(record, "run_id", None)
        if isinstance(run_id, str):
            groups.setdefault(run_id, []).append(record)
        else:
            others.append(record)
    return groups, others


def build_model(
    trace: Trace, *, title: str, max_steps: int, max_state_bytes: int
) -> dict[str, Any]:
    """The JSON-ready model of a whole trace: runs in queue order, then other records.

    ``stacks`` holds each distinct error stack once; errors name theirs by index (``d``).
    """
    groups, others = group_by_run(trace)
    page = Page()
    runs = []
    for i, (run_id, records) in enumerate(groups.items()):
        model = RunModel(run_id, records, page)
        runs.append(model.to_json(raw=page.raw(records, len(groups) - i)))
    first = next(iter(trace), None)
    return {
        "title": title,
        "records": len(trace),
        "limits": {"steps": max_steps, "state": max_state_bytes},
        "runs": runs,
        "stacks": page.stacks,
        "others": [describe_other(r, first.t if first else 0.0) for r in others[:OTHERS_LIMIT]],
        "othersTotal": len(others),
    }
