"""``step.ai.infer``: the executor makes the model call the SDK reported (``AIGateway``).

As on the server (``pkg/util/aigateway``), the request is a POST of ``opts.body``
to ``opts.url`` with ``opts.headers`` and the key placed by ``opts.format``. The
answer is saved as ``{"data": <response JSON>}``; a call that keeps failing after
the step's attempts saves ``{"error": {"name": "AIGatewayError", ...}}``. The key
never reaches the trace. Mock the provider with respx, or pass ``ai_client=``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from inngest_sim._executor import Executor
    from inngest_sim._protocol import Op
    from inngest_sim._run import RunState, WorkItem

__all__ = ["AiGateway"]


def _request_parts(opts: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, str]]:
    """URL, headers and query of the provider call, with the key placed by format."""
    key = str(opts.get("auth_key") or "")
    headers = {"content-type": "application/json", **(opts.get("headers") or {})}
    params: dict[str, str] = {}
    fmt = opts.get("format")
    if fmt == "anthropic":
        headers["x-api-key"] = key
    elif fmt == "gemini":
        params["key"] = key
    elif fmt == "bedrock":
        headers["authorization"] = key
    else:
        headers["authorization"] = f"Bearer {key}"
    return str(opts.get("url", "")), headers, params


class AiGateway:
    def __init__(self, executor: Executor, http: httpx.AsyncClient) -> None:
        self.executor = executor
        self.http = http
        executor.async_ops["AIGateway"] = self.infer

    def infer(self, item: WorkItem, op: Op) -> None:
        run = item.run
        self.executor.waiting(run, op, None, {"url": (op.opts or {}).get("url")})
        self.executor.scheduler.spawn(self._call(run, op, 0))

    async def _call(self, run: RunState, op: Op, attempt: int) -> None:
        if not run.running:
            return
        opts = dict(op.opts or {})
        url, headers, params = _request_parts(opts)
        try:
            response = await self.http.post(
                url, json=opts.get("body"), headers=headers, params=params
            )
            if response.is_success:
                self.executor.resume(run.run_id, op, {"data": response.json()})
                return
            problem = f"HTTP {response.status_code}: {response.text[:300]}"
        except (httpx.HTTPError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if attempt + 1 < run.spec.max_attempts:
            delay = self.executor.backoff_delay(run, op.id, attempt)
            self.executor.call_for(
                run,
                self.executor.clock.now() + delay,
                lambda: self.executor.scheduler.spawn(self._call(run, op, attempt + 1)),
            )
            return
        error = {"name": "AIGatewayError", "message": f"Error making AI request: {problem}"}
        self.executor.resume(run.run_id, op, {"error": error})
