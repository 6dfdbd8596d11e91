"""A run's history, read from its trace (so a saved trace gives the same history)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from inngest_sim._history.format import PAUSED_OPS, HistoryStep, PendingStep, RunHistory, State
from inngest_sim._protocol import memo_of
from inngest_sim.trace import (
    RequestSent,
    RunEnded,
    RunQueued,
    StepAttempt,
    StepSaved,
    Trace,
    Waiting,
)

__all__ = ["history_of"]

_STATE_OF_OP: dict[str, State] = {op: state for state, op in PAUSED_OPS.items()}


def history_of(trace: Trace, run_id: str) -> RunHistory:
    """The history of run ``run_id`` as its trace has it now."""
    queued = trace.of(RunQueued, run_id)
    if not queued:
        raise KeyError(f"no run {run_id!r} in this trace")
    start = queued[0]
    attempts = Counter(a.step_hash for a in trace.of(StepAttempt, run_id))
    saved = trace.of(StepSaved, run_id)
    steps = tuple(
        HistoryStep(
            id=s.step,
            hashed_id=s.step_hash,
            op=s.op,
            memo=memo_of(s.memo, s.value),
            attempts=attempts.get(s.step_hash, 0 if s.op in _STATE_OF_OP else 1),
        )
        for s in saved
    )
    done = {s.step_hash for s in saved}
    ended = trace.of(RunEnded, run_id)
    end = ended[-1] if ended else None
    state: State = "ended" if end is not None else "running"
    paused_on, until = None, None
    open_waits = [w for w in trace.of(Waiting, run_id) if w.step_hash not in done]
    if end is None and open_waits and open_waits[-1].op in _STATE_OF_OP:
        wait = open_waits[-1]
        state = _STATE_OF_OP[wait.op]
        paused_on = PendingStep(wait.step, wait.step_hash, wait.op, 0)
        until = dt.datetime.fromtimestamp(wait.until, dt.UTC) if wait.until is not None else None
    in_flight: tuple[PendingStep, ...] = ()
    if end is None:
        started = {a.step_hash: a for a in trace.of(StepAttempt, run_id)}
        targeted = {r.request_id for r in trace.of(RequestSent, run_id) if r.target is not None}
        # A step the SDK planned (a parallel group) is retried by a request that targets
        # it; one it ran inline, by a plain request: the check asks as the server will.
        in_flight = tuple(
            PendingStep(
                a.step, h, "StepPlanned" if a.request_id in targeted else "StepRun", attempts[h]
            )
            for h, a in started.items()
            if h not in done
        )
    return RunHistory(
        run_id=run_id,
        function_id=start.function_id,
        config=dict(start.config),
        events=tuple(start.events or [start.event]),
        status=end.status if end is not None else "Running",
        state=state,
        steps=steps,
        in_flight=in_flight,
        paused_on=paused_on,
        until=until,
        output=end.output if end is not None else None,
        error=end.error if end is not None else None,
    )
