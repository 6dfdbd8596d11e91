"""The deploy check: resume a run history against the current code, as the server would.

Every request is the one the Go executor would send for the run (its memos in the
request's ``steps`` map, the stack in save order), to the real SDK through the
simulator's endpoint. Discovery requests go with immediate execution off, so the SDK
reports the next new step instead of running it; the one targeted request (for a step
in flight) goes with the in-process probe armed to stop the body as it starts. No step
body with side effects runs.

The history is walked one saved step at a time, as ``check_replay`` walks a run: after
the first k memos the new code must report the run's next saved step. Where it does
not, one more request tells a renamed step (the new step, given the old output, leads
on to the old step after it) from a new step put before the old ones (it leads back
to the old step).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import TYPE_CHECKING, Any

from inngest_sim._history.read import HistoryError
from inngest_sim._history.verdict import Kind, RunVerdict
from inngest_sim._protocol import (
    DISCOVERY_STEP,
    ExecutionCall,
    ProtocolError,
    Reply,
    build_body,
    parse_reply,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from inngest_sim._engine.ports import ServeEndpoint
    from inngest_sim._history.format import HistoryStep, PendingStep, RunHistory
    from inngest_sim._sdk.scope import SdkScope
    from inngest_sim._server.registry import FunctionSpec, Registry

__all__ = ["check_histories", "check_history", "spec_for"]

#: The SDK's answer to a targeted request that meets a different new step first.
_NONDETERMINISM = "StepUnexpectedError"


class BodyStopped(Exception):
    """Raised by the probe in place of a step body during the check."""


class _StopBodies:
    """A probe listener that stops every step body of one run before it starts."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def running(self, run_id: str, step: str, attempt: int) -> _Stop:
        self.started.append(step)
        return _Stop(step)


class _Stop(contextlib.AbstractContextManager[None]):
    """Entered in place of a step body: raises, so the body never runs."""

    def __init__(self, step: str) -> None:
        self.step = step

    def __enter__(self) -> None:
        raise BodyStopped(f"inngest-sim's deploy check stopped step {self.step!r} before its body")

    def __exit__(self, *exc: object) -> None:
        return None


@dataclasses.dataclass
class _Check:
    endpoint: ServeEndpoint
    spec: FunctionSpec
    history: RunHistory
    stopper: _StopBodies | None
    requests: int = 0
    beside: RunVerdict | None = None

    def verdict(
        self, kind: Kind, step: str | None = None, new: str | None = None, detail: str = ""
    ) -> RunVerdict:
        return RunVerdict(self.history, kind, step, new, detail)

    async def ask(
        self,
        steps: Sequence[HistoryStep],
        extra: dict[str, Any] | None = None,
        target: str = DISCOVERY_STEP,
        attempt: int = 0,
    ) -> Reply:
        """One request of the run with these memos (``extra``: one more, not on the stack);
        a targeted one carries the attempt the server is on for that step."""
        h = self.history
        memos = {s.hashed_id: s.memo for s in steps} | (extra or {})
        body = build_body(
            event=h.events[0],
            events=list(h.events),
            steps=memos,
            stack=list(memos),
            run_id=h.run_id,
            attempt=attempt,
            max_attempts=self.spec.max_attempts,
            disable_immediate_execution=target == DISCOVERY_STEP,
            use_api=False,
        )
        self.requests += 1
        request_id = f"{h.run_id}-deploy-check-{self.requests}"
        response = await self.endpoint.execute(
            ExecutionCall(self.spec.id, target, h.run_id, request_id, body)
        )
        try:
            return parse_reply(response.status_code, response.headers, response.content)
        except ProtocolError as exc:
            return Reply(kind="error", status=response.status_code, error={"message": str(exc)})

    async def run(self) -> RunVerdict:
        steps = self.history.steps
        for k in range(len(steps)):
            reply = await self.ask(steps[:k])
            found = await self._at(k, reply)
            if found is not None:
                return found
        end = await self._at_end(await self.ask(steps))
        return end if not end.ok or self.beside is None else self.beside

    def _known(self) -> set[str]:
        h = self.history
        known = {s.hashed_id for s in h.steps} | {s.hashed_id for s in h.in_flight}
        return known | ({h.paused_on.hashed_id} if h.paused_on else set())

    async def _at(self, k: int, reply: Reply) -> RunVerdict | None:
        """After the first k memos the new code must report saved step k."""
        steps = self.history.steps
        expected = steps[k]
        if reply.kind == "error":
            return self._failed(k, reply)
        if reply.kind == "done":
            return self.verdict(
                "skips_step", expected.id, detail=f"the new code returns {reply.output!r} first"
            )
        reported = {op.id: op for op in reply.ops}
        new = [op for op in reply.ops if op.id not in self._known()]
        if expected.hashed_id in reported:
            if new and self.beside is None:
                # A new step beside a memoized one (in one parallel group) is reported only
                # if nothing later explains it (a renamed sibling still in flight, say).
                self.beside = self.verdict(
                    "new_step_first",
                    expected.id,
                    new[0].key,
                    f"new step {new[0].key!r} would run beside memoized {expected.id!r}",
                )
            return None
        later = [s for s in steps[k + 1 :] if s.hashed_id in reported]
        if later:
            return self.verdict(
                "skips_step",
                expected.id,
                later[0].id,
                f"the new code reaches memoized {later[0].id!r} before {expected.id!r} "
                "(the order changed)",
            )
        if not new:
            names = sorted(op.key for op in reply.ops)
            return self.verdict("skips_step", expected.id, detail=f"the new code reports {names}")
        return await self._renamed_or_inserted(k, new[0].key, new[0].id)

    async def _renamed_or_inserted(self, k: int, new_key: str, new_hash: str) -> RunVerdict:
        """Give the new step the old step's memo: does the code come back to the old step?"""
        steps = self.history.steps
        old = steps[k]
        reply = await self.ask(steps[:k], {new_hash: old.memo})
        reported = {op.id for op in reply.ops} if reply.kind == "ops" else set()
        if old.hashed_id in reported:
            return self.verdict(
                "new_step_first",
                old.id,
                new_key,
                f"new step {new_key!r} would run before memoized {old.id!r} and the steps "
                "after it, out of order",
            )
        # The old memo is never read: the new step does the old step's work again.
        return self.verdict(
            "reruns_step",
            old.id,
            new_key,
            f"its memo is never read; the work runs again as {new_key!r}",
        )

    def _failed(self, k: int, reply: Reply) -> RunVerdict:
        error = reply.error or {}
        said = f"{error.get('name', 'Error')}: {error.get('message', '')}".strip()
        if k == 0:
            return self.verdict("finishes_differently", detail=f"it fails before any step: {said}")
        last = self.history.steps[k - 1]
        return self.verdict(
            "unreadable_output",
            last.id,
            detail=f"the code after it fails on the memoized output: {said}",
        )

    async def _at_end(self, reply: Reply) -> RunVerdict:
        """With every memo: the run must go on where it stands."""
        h = self.history
        n = len(h.steps)
        if reply.kind == "error":
            return self._failed(n, reply)
        if h.state == "ended":
            return self._ended(reply)
        reported = {op.id: op for op in reply.ops} if reply.kind == "ops" else {}
        if h.paused_on is not None:
            return self._paused(h.paused_on, reply, reported)
        for step in h.in_flight:
            if step.hashed_id not in reported:
                return await self._in_flight(step, reply)
        return self.verdict("unchanged")

    def _ended(self, reply: Reply) -> RunVerdict:
        h = self.history
        if h.status != "Completed":
            return self.verdict("unchanged")  # a failed or cancelled run never resumes
        if reply.kind == "done" and reply.output == h.output:
            return self.verdict("unchanged")
        now = (
            f"returns {reply.output!r}"
            if reply.kind == "done"
            else (f"reports new steps {sorted(op.key for op in reply.ops)}")
        )
        return self.verdict(
            "finishes_differently", detail=f"the run returned {h.output!r}; the new code {now}"
        )

    def _paused(self, paused: PendingStep, reply: Reply, reported: dict[str, Any]) -> RunVerdict:
        if paused.hashed_id in reported:
            return self.verdict("unchanged")
        if reply.kind == "done":
            return self.verdict(
                "skips_step",
                paused.id,
                detail=f"the new code returns {reply.output!r} without reaching it",
            )
        new = [op for op in reply.ops if op.id not in self._known()]
        if new and new[0].op == paused.op:
            return self.verdict(
                "reruns_step",
                paused.id,
                new[0].key,
                f"when its {paused.op} ends the new code does not find it and starts "
                f"{paused.op} {new[0].key!r} from the beginning",
            )
        if new:
            return self.verdict(
                "new_step_first",
                paused.id,
                new[0].key,
                f"new step {new[0].key!r} would run before the {paused.op} the run is in",
            )
        names = sorted(op.key for op in reply.ops)
        return self.verdict("skips_step", paused.id, detail=f"the new code reports {names}")

    async def _in_flight(self, step: PendingStep, reply: Reply) -> RunVerdict:
        """A step in flight the new code does not report: ask for it as the server will.

        A step planned in a parallel group is retried with a request that targets it; one
        that ran inline, with a plain request (the discovery's answer already says what
        the new code runs then).
        """
        if reply.kind == "done":
            return self.verdict(
                "skips_step", step.id, detail=f"the new code returns {reply.output!r} first"
            )
        new = [op.key for op in reply.ops if op.id not in self._known()]
        if step.op != "StepPlanned":
            # It ran inline (in a discovery request), so its retry is a plain request, as
            # the Go executor sends it: the new code runs whatever new step it meets first.
            if not new:
                names = sorted(op.key for op in reply.ops)
                return self.verdict("skips_step", step.id, detail=f"the new code reports {names}")
            return self.verdict(
                "replaces_step",
                step.id,
                new[0],
                f"its retry (attempt {step.attempts}) runs {new[0]!r} in its place, and "
                f"{step.id!r} is never saved",
            )
        if self.stopper is None:
            return self.verdict(
                "skips_step",
                step.id,
                new[0] if new else None,
                "the step in flight is no longer reported (the server's request for it "
                "was not sent: this backend cannot stop a step body)",
            )
        targeted = await self.ask(self.history.steps, target=step.hashed_id, attempt=step.attempts)
        if step.id in self.stopper.started:
            return self.verdict("unchanged")
        error = targeted.error or {}
        if targeted.kind == "error" and error.get("name") == _NONDETERMINISM:
            return self.verdict(
                "diverges", step.id, new[0] if new else None, str(error.get("message"))
            )
        outcome = (
            f"ends the run with {targeted.output!r}"
            if targeted.kind == "done"
            else f"answers {targeted.kind}"
        )
        return self.verdict(
            "skips_step",
            step.id,
            new[0] if new else None,
            f"the server's request for this step in flight finds no such step and the SDK "
            f"{outcome}",
        )


def spec_for(registry: Registry, history: RunHistory) -> FunctionSpec:
    """The target's function for a history, or a ``HistoryError`` naming what it serves."""
    served: dict[str, FunctionSpec] = {spec.id: spec for spec in registry}
    if history.function_id in served:
        return served[history.function_id]
    raise HistoryError(
        f"{history.source or history.run_id}: field '$.function.id': the target has no "
        f"function {history.function_id!r} (it serves {', '.join(sorted(served)) or 'none'})"
    )


async def check_history(
    endpoint: ServeEndpoint,
    spec: FunctionSpec,
    history: RunHistory,
    *,
    probe: SdkScope | None,
) -> RunVerdict:
    """Resume ``history`` against the code behind ``endpoint`` and classify what happens.

    ``probe`` is the simulator's SDK scope when its backend runs step bodies in process.
    """
    if probe is None:
        return await _Check(endpoint, spec, history, None).run()
    stopper = _StopBodies()
    with probe.listening(history.run_id, stopper):
        return await _Check(endpoint, spec, history, stopper).run()


async def check_histories(
    endpoint: ServeEndpoint,
    registry: Registry,
    histories: Sequence[RunHistory],
    *,
    probe: SdkScope | None,
) -> list[RunVerdict]:
    """Every history checked, in order; a history for a function not served is an error."""
    specs = [spec_for(registry, h) for h in histories]  # every input checked before any request
    return [
        await check_history(endpoint, spec, h, probe=probe)
        for spec, h in zip(specs, histories, strict=True)
    ]
