"""Replay safety: does the function take the same path when Inngest replays it?

Inngest replays a function from the top on every request. If the code picks
different steps on a replay (random step ids, branches on the time, a step that
only sometimes exists), memoized results land in the wrong places. This check
replays a finished run from every prefix of its saved steps, with immediate
execution off so no step body runs, and compares what the SDK reports with
what the original run did.
"""

from __future__ import annotations

import dataclasses
import random
from typing import TYPE_CHECKING, Any

from inngest_sim._errors import NondeterminismError
from inngest_sim._protocol import (
    DISCOVERY_STEP,
    ExecutionCall,
    ProtocolError,
    build_body,
    parse_reply,
)
from inngest_sim._simulator.perturb import pinned_random

if TYPE_CHECKING:
    from collections.abc import Sequence

    from inngest_sim._engine.ports import ServeEndpoint
    from inngest_sim._engine.run import RunState
    from inngest_sim._simulator.perturb import World

__all__ = ["ReplayReport", "check_replay"]


@dataclasses.dataclass(frozen=True, slots=True)
class ReplayReport:
    """What each replay reported: ``prefixes[k]`` is after the first k saved steps."""

    run_id: str
    prefixes: tuple[tuple[str, ...], ...]
    divergence: str | None

    @property
    def ok(self) -> bool:
        return self.divergence is None


async def _replay(endpoint: ServeEndpoint, run: RunState, prefix: list[str]) -> tuple[str, Any]:
    body = build_body(
        event=run.event,
        events=run.events,
        steps={h: run.memos[h] for h in prefix},
        stack=prefix,
        run_id=run.run_id,
        attempt=0,
        max_attempts=run.spec.max_attempts,
        disable_immediate_execution=True,
        use_api=False,
    )
    request_id = f"{run.run_id}-replay-{len(prefix)}"
    response = await endpoint.execute(
        ExecutionCall(run.spec.id, DISCOVERY_STEP, run.run_id, request_id, body)
    )
    try:
        reply = parse_reply(response.status_code, response.headers, response.content)
    except ProtocolError as exc:
        return "error", str(exc)
    if reply.kind == "ops":
        return "ops", [(op.id, op.key) for op in reply.ops]
    return reply.kind, reply.output if reply.kind == "done" else reply.error


def _divergence(run: RunState, k: int, kind: str, value: Any, original_ids: set[str]) -> str | None:
    stack = run.stack
    after = ", ".join(run.key_of(h) for h in stack[max(0, k - 3) : k]) or "the start"
    where = f"replaying run {run.run_id} of {run.spec.id!r} after {k} saved steps (… {after})"
    if k == len(stack):
        if run.status == "Completed" and (kind != "done" or value != run.output):
            return (
                f"{where}: the original run completed with {run.output!r}, "
                f"the replay gave {kind}: {value!r}"
            )
        return None
    if kind != "ops":
        return (
            f"{where}: the original run went on to step {run.key_of(stack[k])!r}, "
            f"the replay ended with {kind}: {value!r}"
        )
    reported = dict(value)
    unknown = [key for step_id, key in value if step_id not in original_ids]
    if unknown:
        return (
            f"{where}: the replay reported step {unknown[0]!r}, which the original run never "
            f"had (its next step was {run.key_of(stack[k])!r}); step ids or branches depend on "
            "something that changes between requests (random ids, the clock, outside state)"
        )
    if stack[k] not in reported:
        return (
            f"{where}: the original run's next step {run.key_of(stack[k])!r} is missing from "
            f"the replay, which reported {sorted(reported.values())}"
        )
    return None


async def check_replay(
    endpoint: ServeEndpoint,
    run: RunState,
    *,
    raise_on_divergence: bool = True,
    worlds: Sequence[World] = (),
) -> ReplayReport:
    """Replay ``run`` from each prefix of its saved steps, up to the first divergence.

    Then, for each of ``worlds`` (a later wall clock, fresh randomness), replay every
    prefix again inside it: the path must not change. Raises ``NondeterminismError``
    at the first divergence, or with ``raise_on_divergence=False`` returns a report
    whose ``divergence`` says what went wrong (``ok`` is then False).
    """
    __tracebackhide__ = True
    original_ids = set(run.keys)
    prefixes: list[tuple[str, ...]] = []
    problem = None
    # Every replay starts from the random state the check started with, so only the
    # fresh-randomness world draws other numbers.
    state = random.getstate()
    answers: list[tuple[str, Any]] = []
    for k in range(len(run.stack) + 1):
        with pinned_random(state):
            kind, value = await _replay(endpoint, run, run.stack[:k])
        answers.append((kind, value))
        prefixes.append(_path(kind, value))
        problem = _divergence(run, k, kind, value, original_ids)
        if problem:
            break
    for world in worlds if problem is None else ():
        problem = await _in_world(endpoint, run, world, answers, state)
        if problem:
            break
    if problem and raise_on_divergence:
        raise NondeterminismError(problem)
    return ReplayReport(run.run_id, tuple(prefixes), problem)


async def _in_world(
    endpoint: ServeEndpoint,
    run: RunState,
    world: World,
    answers: list[tuple[str, Any]],
    state: object,
) -> str | None:
    """The first prefix whose replay inside ``world`` answers otherwise, in words.

    The answers are compared whole: the steps reported, or the output or error.
    """
    for k, expected in enumerate(answers):
        with pinned_random(state), world.enter():
            got = await _replay(endpoint, run, run.stack[:k])
        if got == expected:
            continue
        after = run.key_of(run.stack[k - 1]) if k else "the start"
        where = f"replaying run {run.run_id} of {run.spec.id!r}"
        # The same prefix again, the world as it was: if it differs there too, the world is not
        # the cause, and naming it would send the reader after the wrong read.
        with pinned_random(state):
            again = await _replay(endpoint, run, run.stack[:k])
        if again != expected:
            return (
                f"{where} again after {k} saved steps (… {after}): the code answered "
                f"{_said(again)} where it had answered {_said(expected)}, with nothing moved; "
                "something outside steps changes between requests (random numbers, outside "
                "state). Fix: compute it inside a step so a replay sees the saved value"
            )
        return (
            f"{where} under {world.name}: after {k} saved steps (… {after}) the code "
            f"answered {_said(got)} where it had answered {_said(expected)}; {world.reads} "
            f"and takes another path. Fix: {world.fix}"
        )
    return None


def _said(answer: tuple[str, Any]) -> str:
    kind, value = answer
    if kind == "ops":
        return f"steps {[key for _, key in value]}"
    return f"{kind}: {value!r}"


def _path(kind: str, value: Any) -> tuple[str, ...]:
    """What a replay reported, as compared: the step ids, or how it ended."""
    return tuple(key for _, key in value) if kind == "ops" else (kind,)
