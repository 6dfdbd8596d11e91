"""Faults on the network between the executor and the serve endpoint.

:class:`FaultTransport` wraps the endpoint's own ``httpx`` transport, so an injected
failure reaches the executor as a real one would: a connect error or a timeout is the
real ``httpx`` exception, a proxy's status is an HTTP answer without the SDK's headers,
and a lost response is a connection dropped after the SDK answered.

Rules name the step a request *runs*. A targeted request runs its step; a discovery
request runs a step only through immediate execution, and which one is known only to the
SDK. When a request rule could apply to a discovery, the transport first asks the SDK
with immediate execution off (as ``check_replay`` does: no body runs), and matches the
step the SDK would run. Without such rules no extra request is made.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._protocol import STEP_OUTPUT_OPS, ProtocolError, parse_reply
from inngest_sim.faults._context import FaultContext
from inngest_sim.faults._effects import TransportEffect

if TYPE_CHECKING:
    from collections.abc import Callable

    from inngest_sim.faults._injector import FaultInjector
    from inngest_sim.faults._plan import FaultRule

__all__ = ["FaultTransport"]

DISCOVERY = "step"


class FaultTransport(httpx.AsyncBaseTransport):
    """The endpoint's transport with request and response faults in front of it.

    Args:
        inner: the transport that reaches the SDK.
        injector: matches and records faults.
        step_key: the step id users write for a run's hashed step id, if known.
    """

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        injector: FaultInjector,
        step_key: Callable[[str, str], str | None],
    ) -> None:
        self.inner = inner
        self.injector = injector
        self.step_key = step_key

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or "fnId" not in request.url.params:
            return await self.inner.handle_async_request(request)  # the sync PUT
        body = json.loads(await request.aread())
        ctx = self._context(request, body)
        if self.injector.could_hit("request"):
            step = ctx.step
            if step is None and not body["ctx"]["disable_immediate_execution"]:
                step = await self._step_it_would_run(request, body)
            found = self.injector.hit(_at(ctx, "request", step))
            if found is not None:
                return _apply(found[0], request)
        response = await self.inner.handle_async_request(request)
        if not self.injector.could_hit("response"):
            return response
        content, headers = await _read(response)
        for step in _steps_that_ran(response, content) or ([ctx.step] if ctx.step else []):
            found = self.injector.hit(_at(ctx, "response", step))
            if found is not None:
                return _apply(found[0], request)
        return httpx.Response(
            response.status_code, headers=headers, content=content, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()

    def _context(self, request: httpx.Request, body: dict[str, Any]) -> FaultContext:
        run_id = str(body["ctx"]["run_id"])
        step_hash = request.url.params.get("stepId", DISCOVERY)
        target = None if step_hash == DISCOVERY else self.step_key(run_id, step_hash)
        return FaultContext(
            "request",
            request.url.params.get("fnId"),
            target,
            int(body["ctx"]["attempt"]),
            run_id=run_id,
        )

    async def _step_it_would_run(self, request: httpx.Request, body: dict[str, Any]) -> str | None:
        """The step this discovery would run at once, asked with immediate execution off."""
        probe = json.loads(json.dumps(body))
        probe["ctx"]["disable_immediate_execution"] = True
        dry = httpx.Request(
            "POST", request.url, headers=request.headers, content=json.dumps(probe).encode()
        )
        response = await self.inner.handle_async_request(dry)
        content, _ = await _read(response)
        try:
            reply = parse_reply(response.status_code, response.headers, content)
        except ProtocolError:
            return None
        planned = [op for op in reply.ops if op.op == "StepPlanned"]
        # Only a lone new step runs immediately; a parallel group is planned instead.
        return planned[0].key if len(reply.ops) == 1 and planned else None


async def _read(response: httpx.Response) -> tuple[bytes, list[tuple[str, str]]]:
    """The decoded body, and the headers that still describe it."""
    try:
        content = await response.aread()
    finally:
        await response.aclose()
    headers = [
        (k, v)
        for k, v in response.headers.multi_items()
        if k.lower() not in ("content-encoding", "content-length")
    ]
    return content, headers


def _at(ctx: FaultContext, layer: Any, step: str | None) -> FaultContext:
    return FaultContext(layer, ctx.function_id, step, ctx.attempt, run_id=ctx.run_id)


def _apply(rule: FaultRule, request: httpx.Request) -> httpx.Response:
    assert isinstance(rule.effect, TransportEffect)
    return rule.effect.apply(request, rule.name)


def _steps_that_ran(response: httpx.Response, content: bytes) -> list[str]:
    try:
        reply = parse_reply(response.status_code, response.headers, content)
    except ProtocolError:
        return []
    return [op.key for op in reply.ops if op.op in STEP_OUTPUT_OPS]
