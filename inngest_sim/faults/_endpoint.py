"""Faults on the network between the executor and the serve endpoint.

``FaultEndpoint`` wraps whatever endpoint the backend built (the SDK's handler
in-process, an app, a URL), so an injected failure reaches the executor as a real one
would: a connect error or a timeout is the real ``httpx`` exception, a proxy's status is
an HTTP answer without the SDK's headers, and a lost response is a connection dropped
after the SDK answered. (At the endpoint rather than in an ``httpx`` transport: the
default in-process endpoint calls the SDK's handler without httpx, and faults must act
the same on every backend.)

Rules name the step a request *runs*. A targeted request runs its step; a discovery
request runs a step only through immediate execution, and which one is known only to the
SDK. When a request rule could apply to a discovery, the endpoint first asks the SDK with
immediate execution off (as ``check_replay`` does: no body runs), and matches the step the
SDK would run. Without such rules no extra request is made.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._protocol import DISCOVERY_STEP, STEP_OUTPUT_OPS, ProtocolError, parse_reply
from inngest_sim.faults._context import FaultContext
from inngest_sim.faults._effects import TransportEffect

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim._engine.ports import EndpointAnswer, ServeEndpoint
    from inngest_sim._protocol import ExecutionCall
    from inngest_sim.faults._injector import FaultInjector
    from inngest_sim.faults._plan import FaultRule

__all__ = ["FaultEndpoint"]


class FaultEndpoint:
    """A serve endpoint with request and response faults in front of it.

    Args:
        inner: the endpoint that reaches the SDK.
        injector: matches and records faults.
        step_key: the step id users write for a run's hashed step id, if known.
    """

    def __init__(
        self,
        inner: ServeEndpoint,
        injector: FaultInjector,
        step_key: Callable[[str, str], str | None],
    ) -> None:
        self.inner = inner
        self.injector = injector
        self.step_key = step_key

    @property
    def url(self) -> str:
        return self.inner.url

    async def sync(self) -> EndpointAnswer:
        return await self.inner.sync()

    async def execute(self, call: ExecutionCall) -> EndpointAnswer:
        run_id, body = call.run_id, call.body
        target = None if call.step_id == DISCOVERY_STEP else self.step_key(run_id, call.step_id)
        ctx = FaultContext(
            "request", call.fn_id, target, int(body["ctx"]["attempt"]), run_id=run_id
        )
        request = _RequestFor(self.inner.url, call.fn_id, call.step_id)
        if self.injector.could_hit("request"):
            step = target
            if step is None and not body["ctx"]["disable_immediate_execution"]:
                step = await self._step_it_would_run(call)
            found = self.injector.hit(_at(ctx, "request", step))
            if found is not None:
                return _apply(found[0], request)
        response = await self.inner.execute(call)
        if not self.injector.could_hit("response"):
            return response
        for step in _steps_that_ran(response) or ([target] if target else []):
            found = self.injector.hit(_at(ctx, "response", step))
            if found is not None:
                return _apply(found[0], request)
        return response

    async def _step_it_would_run(self, call: ExecutionCall) -> str | None:
        """The step this discovery would run at once, asked with immediate execution off."""
        body = call.body
        probe = {**body, "ctx": {**body["ctx"], "disable_immediate_execution": True}}
        response = await self.inner.execute(dataclasses.replace(call, body=probe, max_bytes=None))
        try:
            reply = parse_reply(response.status_code, response.headers, response.content)
        except ProtocolError:
            return None
        planned = [op for op in reply.ops if op.op == "StepPlanned"]
        # Only a lone new step runs immediately; a parallel group is planned instead.
        return planned[0].key if len(reply.ops) == 1 and planned else None


def _at(ctx: FaultContext, layer: Any, step: str | None) -> FaultContext:
    return FaultContext(layer, ctx.function_id, step, ctx.attempt, run_id=ctx.run_id)


class _RequestFor:
    """The ``httpx.Request`` a fault's answer names, built only when a fault applies."""

    def __init__(self, url: str, fn_id: str, step_id: str) -> None:
        self.url, self.fn_id, self.step_id = url, fn_id, step_id

    def build(self) -> httpx.Request:
        return httpx.Request("POST", self.url, params={"fnId": self.fn_id, "stepId": self.step_id})


def _apply(rule: FaultRule, request: _RequestFor) -> httpx.Response:
    assert isinstance(rule.effect, TransportEffect)
    return rule.effect.apply(request.build(), rule.name)


def _steps_that_ran(response: EndpointAnswer) -> list[str]:
    try:
        reply = parse_reply(response.status_code, response.headers, response.content)
    except ProtocolError:
        return []
    return [op.key for op in reply.ops if op.op in STEP_OUTPUT_OPS]
