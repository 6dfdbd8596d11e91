"""Assertion helpers that read like the questions a test asks about a run.

Each helper takes the ``inngest_sim.RunResult`` that ``sim.run()`` returned
(it reads the run's trace only, so a result rebuilt from a saved trace works
too) and raises ``AssertionError`` whose message shows the part of the
timeline that answers the question: the affected steps, their attempts, how
many times their bodies really ran and which faults hit them:

```python
from inngest_sim.assertions import assert_attempts, assert_completed

run = await sim.run(assets)
assert_completed(run)
assert_attempts(run, "image-0-1", ["error", "error", "ok"])
```
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import TYPE_CHECKING

from inngest_sim._errors import InvalidArgument
from inngest_sim._limits import Limits
from inngest_sim._stack_text import without_library_frames
from inngest_sim._views.assertion_support import (
    _check_count,
    _check_run,
    _header,
    _matching,
    _require_probe,
    _require_steps,
    _rerun_faults,
    _step_table,
    _timeline,
    _unreported_reruns,
)
from inngest_sim._views.spans import Span, attempt_spans, group_overlapping
from inngest_sim.trace import (
    ApiCalled,
    BodyExecuted,
    FaultApplied,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from inngest_sim._views.results import RunResult
    from inngest_sim.trace import Trace


__all__ = [
    "LimitUsage",
    "assert_api_served",
    "assert_attempts",
    "assert_chunked",
    "assert_completed",
    "assert_each_step_executed_once",
    "assert_max_concurrency",
    "assert_no_side_effects_outside_own_request",
    "assert_within_limits",
]

STACK_LINES = 12
OUTCOMES = ("ok", "error", "failed")
LIMIT_ERRORS = ("InngestErrFunctionOverflowed", "InngestErrStateOverflowed")
GATHER_HINT = (
    "asyncio.gather over step.run executes every body on each request; use ctx.group.parallel"
)


# ------------------------------------------------------------------ completion
def assert_api_served(trace: Trace) -> None:
    """Fail when the SDK called an Inngest API route the simulator does not serve.

    Such a call is answered 404, which an SDK may read as a meaningful answer (the
    TypeScript SDK reads a 404 from ``/v1/signals`` as "nobody is waiting"), so a test
    would pass for the wrong reason. The pytest plugin checks every simulator its fixtures
    build at teardown (``allow_unserved_api=True`` in the marker turns that off).

    Args:
        trace: the simulator's whole trace (``sim.trace``): API calls belong to no run.
    """
    __tracebackhide__ = True
    unserved = [c for c in trace.of(ApiCalled) if not c.served]
    if unserved:
        calls = "; ".join(sorted({f"{c.method} {c.path}" for c in unserved}))
        raise AssertionError(
            f"the SDK called {len(unserved)} Inngest API route(s) inngest-sim does not serve, "
            f"each answered 404: {calls}. The SDK may have read the 404 as an answer; see "
            "docs/compatibility.md for the routes served"
        )


def assert_completed(run: RunResult) -> None:
    """Assert the run ended ``Completed``; otherwise show its error and timeline.

    Args:
        run: the result of ``sim.run()`` (or ``sim.result(run_id)``).
    """
    __tracebackhide__ = True
    _check_run(run)
    if run.status == "Completed":
        return
    if run.status == "Running":
        why = "is still running: await sim.run(...), sim.wait(...) or sim.settle() first"
    else:
        why = f"ended {run.status}, expected Completed\n{_error_text(run)}"
    raise AssertionError(f"{_header(run)} {why}\n\n{_timeline(run.trace)}")


def _error_text(run: RunResult) -> str:
    error = run.error or {}
    lines = [f"  {error.get('name', 'Error')}: {error.get('message', '(no message)')}"]
    bodies = run.trace.of(BodyExecuted)
    if bodies:
        # A step that fails outside a parallel group reports no attempt; its body did run.
        lines.append(f"  last step body to run: {bodies[-1].step!r} (attempt {bodies[-1].attempt})")
    stack, hid = without_library_frames(str(error.get("stack") or "").strip())
    faults = run.trace.of(FaultApplied)
    if hid and faults:
        last = faults[-1]
        lines.append(
            f"  raised by inngest-sim: injected by {last.rule} ({last.effect} on "
            f"{last.step or last.path!r}, attempt {last.attempt}); its own frames are hidden"
        )
    # Keep the innermost frames, starting at a frame line rather than mid-frame.
    tail = stack[-STACK_LINES:]
    frames = [i for i, line in enumerate(tail) if line.lstrip().startswith("File ")]
    tail = tail[frames[0] :] if frames and len(stack) > STACK_LINES else tail
    lines += [f"    {line}" for line in tail]
    return "\n".join(lines)


# -------------------------------------------------------------------- attempts
def assert_attempts(run: RunResult, step: str, outcomes: Sequence[str]) -> None:
    """Assert the outcomes of ``step``'s attempts, in order.

    Args:
        run: the run to check.
        step: a step id as the run reports it (``"image-0-1"``, ``"same:1"`` for a repeat).
        outcomes: ``"ok"``, ``"error"`` (retried) or ``"failed"`` (retries exhausted or
            non-retriable), e.g. ``["error", "error", "ok"]``.
    """
    __tracebackhide__ = True
    _check_run(run)
    expected = list(outcomes)
    unknown = [o for o in expected if o not in OUTCOMES]
    if unknown:
        raise InvalidArgument(f"outcomes={expected!r}: {unknown!r} not in {list(OUTCOMES)!r}")
    _require_steps(run, [step] if step in run.steps else [], repr(step))
    got = [a.outcome for a in run.steps[step].attempts]
    if got != expected:
        raise AssertionError(
            f"step {step!r} of {_header(run)}: expected attempts {expected!r}, got {got!r}\n"
            f"{_step_table(run, [step])}\n\n{_timeline(run.trace, [step])}"
        )


# ------------------------------------------------------------------ executions
def assert_each_step_executed_once(
    run: RunResult, *, pattern: str = "*", allow_lost: bool = False
) -> None:
    """Assert the body of every successful step matching ``pattern`` ran exactly once.

    Executions are counted by the in-process probe, so a body that ran but whose
    result was lost counts. Attempts replaced by an injected ``raises`` fault did
    not run the body and do not count.

    Args:
        run: the run to check.
        pattern: an ``fnmatch`` glob over step ids.
        allow_lost: allow one extra execution per ``lose_response`` or
            ``raises_after`` fault applied to the step (at-least-once delivery).
    """
    __tracebackhide__ = True
    _check_run(run)
    _require_probe(run)
    keys = _require_steps(run, _matching(run, pattern, bodies=True), repr(pattern), "step.run ")
    reruns = _rerun_faults(run)
    bad = [key for key in keys if not _ran_once(run, key, reruns, allow_lost)]
    if not bad:
        return
    hint = ""
    if not allow_lost and any(reruns.get(key) for key in bad):
        hint = "\nlose_response/raises_after faults re-run a body by design: pass allow_lost=True"
    raise AssertionError(
        f"{len(bad)} of {len(keys)} steps matching {pattern!r} in {_header(run)} did not "
        f"execute exactly once{' (allowing lost responses)' if allow_lost else ''}:\n"
        f"{_step_table(run, bad)}{hint}\n\n{_timeline(run.trace, bad)}"
    )


def _ran_once(run: RunResult, key: str, reruns: dict[str, int], allow_lost: bool) -> bool:
    step = run.steps[key]
    if step.outcome != "ok":
        return True  # only successful steps promise exactly-once effects
    allowed = 1 + (reruns.get(key, 0) if allow_lost else 0)
    return 1 <= step.executions <= allowed


def assert_no_side_effects_outside_own_request(run: RunResult) -> None:
    """Assert no step body ran in a request that did not report it.

    ``asyncio.gather`` over ``step.run`` runs every pending body on each request
    while the SDK reports one step per request, so side effects repeat. A step
    whose body ran more often than it reported attempts (allowing for lost
    responses injected by faults) is named in the failure.

    Args:
        run: the run to check.
    """
    __tracebackhide__ = True
    _check_run(run)
    _require_probe(run)
    unreported = _unreported_reruns(run)
    rows: dict[str, str] = {}
    for key, step in run.steps.items():
        reported = sum(1 for a in step.attempts if a.outcome in OUTCOMES)
        if step.executions > reported + unreported.get(key, 0):
            rows[key] = f"{key} (body ran {step.executions}x, reported {reported} attempt(s))"
    if rows:
        bad = list(rows)
        raise AssertionError(
            f"step bodies ran outside their own request in {_header(run)}: "
            f"{', '.join(rows.values())}\n"
            f"{GATHER_HINT}\n{_step_table(run, bad)}\n\n{_timeline(run.trace, bad)}"
        )


# ----------------------------------------------------------------- concurrency
def assert_max_concurrency(run: RunResult, k: int, *, pattern: str | None = None) -> None:
    """Assert at most ``k`` step attempts (matching ``pattern``) were executing at once.

    Args:
        run: the run to check.
        k: the most attempts allowed to overlap.
        pattern: an ``fnmatch`` glob over step ids; every step when None.
    """
    __tracebackhide__ = True
    _check_run(run)
    _check_count("k", k, minimum=0)
    if pattern is not None:
        _require_steps(run, _matching(run, pattern, bodies=True), repr(pattern), "step.run ")
    peak = run.max_concurrency(pattern)
    if peak <= k:
        return
    widest = max(run.concurrent_groups(pattern), key=lambda group: len(set(group)))
    where = f" matching {pattern!r}" if pattern else ""
    raise AssertionError(
        f"expected at most {k} step attempts{where} at once in {_header(run)}, but {peak} "
        f"overlapped; the widest group: {', '.join(dict.fromkeys(widest))}\n\n"
        f"{_timeline(run.trace, widest)}"
    )


def assert_chunked(run: RunResult, size: int, *, pattern: str = "*") -> None:
    """Assert steps matching ``pattern`` ran in chunks of at most ``size``, one chunk at a time.

    A chunk is a set of overlapping executed attempts. The check fails when a
    chunk holds more than ``size`` steps, or when an attempt of the next chunk
    started (in trace order) before the last attempt of the previous one ended.

    Args:
        run: the run to check.
        size: the most steps a chunk may hold.
        pattern: an ``fnmatch`` glob over step ids.
    """
    __tracebackhide__ = True
    _check_run(run)
    _check_count("size", size, minimum=1)
    _require_steps(run, _matching(run, pattern, bodies=True), repr(pattern), "step.run ")
    chunks = group_overlapping(attempt_spans(run.trace, pattern), lambda s: s)
    problem = _chunk_problem(chunks, size)
    if problem is None:
        return
    listing = "\n".join(
        f"  chunk {i}: {', '.join(dict.fromkeys(s.step for s in chunk))}"
        for i, chunk in enumerate(chunks, 1)
    )
    steps = [s.step for chunk in chunks for s in chunk]
    raise AssertionError(
        f"steps matching {pattern!r} in {_header(run)} did not run in chunks of at most "
        f"{size}: {problem}\n{listing}\n\n{_timeline(run.trace, steps)}"
    )


def _chunk_problem(chunks: list[list[Span]], size: int) -> str | None:
    for i, chunk in enumerate(chunks, 1):
        steps = dict.fromkeys(s.step for s in chunk)
        if len(steps) > size:
            return f"chunk {i} ran {len(steps)} steps together"
    for i, (before, after) in enumerate(itertools.pairwise(chunks), 1):
        last = max(before, key=lambda s: s.end_seq)
        first = min(after, key=lambda s: s.start_seq)
        if first.start_seq < last.end_seq:
            return (
                f"{first.step!r} (chunk {i + 1}) started at seq {first.start_seq}, before "
                f"{last.step!r} (chunk {i}) ended at seq {last.end_seq}"
            )
    return None


# ---------------------------------------------------------------------- limits
def _format_bytes(size: float) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if abs(size) >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:g} B"


@dataclasses.dataclass(frozen=True, slots=True)
class LimitUsage:
    """How much of the step and state limits a run used; ``str()`` shows the margin."""

    steps: int
    max_steps: int
    state_bytes: int
    max_state_bytes: int

    @property
    def steps_left(self) -> int:
        return self.max_steps - self.steps

    @property
    def state_bytes_left(self) -> int:
        return self.max_state_bytes - self.state_bytes

    def __str__(self) -> str:
        state = f"{_format_bytes(self.state_bytes)}/{_format_bytes(self.max_state_bytes)}"
        return (
            f"steps {self.steps}/{self.max_steps} ({_margin(self.steps_left, str)}), "
            f"state {state} ({_margin(self.state_bytes_left, _format_bytes)})"
        )


def _margin(left: int, fmt: Callable[[int], str]) -> str:
    return f"{fmt(left)} left" if left >= 0 else f"{fmt(-left)} over"


def assert_within_limits(run: RunResult, limits: Limits | None = None) -> LimitUsage:
    """Assert the run stayed under the step and state limits, and return the margin.

    Pass ``sim.limits`` when the simulator ran with lowered limits, or stricter
    ``inngest_sim.Limits`` to check a budget below Inngest's.

    Args:
        run: the run to check.
        limits: the limits to compare with; Inngest's defaults when None.

    Returns:
        The usage; ``str(usage)`` reads ``steps 214/1000 (786 left), state ...``.
    """
    __tracebackhide__ = True
    _check_run(run)
    limits = limits or Limits()
    usage = LimitUsage(run.step_count, limits.max_steps, run.state_bytes, limits.max_state_bytes)
    error = run.error or {}
    over = usage.steps_left < 0 or usage.state_bytes_left < 0
    if over or error.get("name") in LIMIT_ERRORS:
        reason = f"\n  {error.get('name')}: {error.get('message')}" if error else ""
        raise AssertionError(
            f"{_header(run)} went over its limits: {usage}{reason}\n\n{_timeline(run.trace)}"
        )
    return usage


# --------------------------------------------------------------------- helpers
