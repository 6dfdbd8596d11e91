"""A run's step sequence: a normalised, readable record for snapshot tests.

No run ids, hashes, timestamps or wall times: only what the code decides (step ids and
kinds, parallel groups, attempts and outcomes, sleeps and their length, waits and how
they ended, invokes), so the same code gives the same text on every run and a diff of
two shows what changed. Parallel steps are listed by id inside their group, since the
order in which they finish is not the code's to decide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inngest_sim.trace import ResponseHandled, RunEnded, RunQueued, StepAttempt, StepSaved, Waiting

if TYPE_CHECKING:
    from inngest_sim.trace import Trace

__all__ = ["step_sequence"]

_OUTCOMES = {"ok": "ok", "error": "error", "failed": "failed"}


def step_sequence(trace: Trace) -> str:
    """The step sequence of the one run in ``trace`` (a run's own trace)."""
    queued = trace.of(RunQueued)
    lines = [f"run {queued[0].function_id}" if queued else "run"]
    groups = _parallel_groups(trace)
    attempts: dict[str, list[str]] = {}
    for a in trace.of(StepAttempt):
        attempts.setdefault(a.step, []).append(_OUTCOMES.get(a.outcome, a.outcome))
    waits = {w.step: w for w in trace.of(Waiting)}
    saved = trace.of(StepSaved)
    described = {s.step: _describe(s, attempts, waits) for s in saved}
    done: set[str] = set()
    for s in saved:
        if s.step in done:
            continue
        group = groups.get(s.step)
        if group is None:
            lines.append(described[s.step])
            done.add(s.step)
            continue
        lines.append("parallel:")
        for member in sorted(group):
            text = described.get(member) or _unsaved(member, attempts)
            lines.append(f"  {text}")
            done.add(member)
    lines += [_unsaved(step, attempts) for step in attempts if step not in done]
    ended = trace.of(RunEnded)
    lines.append(_end(ended[-1]) if ended else "still running")
    return "\n".join(lines) + "\n"


def _parallel_groups(trace: Trace) -> dict[str, tuple[str, ...]]:
    """Each step the SDK planned together with others, mapped to its group."""
    groups: dict[str, tuple[str, ...]] = {}
    for response in trace.of(ResponseHandled):
        planned = tuple(
            op.partition(":")[2] for op in response.ops if op.startswith("StepPlanned:")
        )
        if len(planned) > 1:
            for step in planned:
                groups.setdefault(step, planned)
    return groups


def _describe(saved: StepSaved, attempts: dict[str, list[str]], waits: dict[str, Waiting]) -> str:
    wait = waits.get(saved.step)
    if saved.op == "Sleep":
        length = _length(wait.until - wait.t) if wait and wait.until is not None else "?"
        return f"sleep {saved.step}: {length}"
    if saved.op == "WaitForEvent":
        event = wait.detail.get("event") if wait else None
        timeout = _length(wait.until - wait.t) if wait and wait.until is not None else "none"
        ended = "timed out" if saved.memo == "null" else "matched"
        return f"wait {saved.step} for {event!r} (timeout {timeout}): {ended}"
    if saved.op == "InvokeFunction":
        target = wait.detail.get("function_id") if wait else None
        return f"invoke {saved.step} -> {target}: {'failed' if saved.memo == 'error' else 'ok'}"
    tries = attempts.get(saved.step) or ["failed" if saved.memo == "error" else "ok"]
    kind = "step" if saved.op in ("StepRun", "StepError", "StepFailed") else saved.op
    return f"{kind} {saved.step}: {', '.join(tries)}"


def _unsaved(step: str, attempts: dict[str, list[str]]) -> str:
    return f"step {step}: {', '.join(attempts.get(step, []) or ['planned'])} (not saved)"


def _end(ended: RunEnded) -> str:
    if ended.status == "Failed" and ended.error:
        return f"Failed: {ended.error.get('name', 'Error')}"
    return ended.status


def _length(seconds: float) -> str:
    """``1h30m``, ``5m``, ``45s``: the virtual length of a sleep or a wait's timeout."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if v]
    return "".join(parts) or "0s"
