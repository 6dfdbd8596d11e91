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

from inngest_sim._bounded import TOO_LARGE, ResponseTooLarge, send_limited
from inngest_sim._runtime.outbound import OutboundClient
from inngest_sim._runtime.secrets import scrub, url_secrets

if TYPE_CHECKING:
    from inngest_sim._engine.ports import Answer, OpHandler, RunOps
    from inngest_sim._engine.run import RunState
    from inngest_sim._protocol import Op

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
    # Go's HTTP client writes header names canonically (X-Api-Key); a provider stub
    # (or a test's) that reads them case-sensitively sees what the server sends.
    canonical = {_canonical(name): value for name, value in headers.items()}
    return str(opts.get("url", "")), canonical, params


def _canonical(name: str) -> str:
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


class AiGateway:
    """Makes model calls for ``AIGateway`` ops, with the step's retries.

    Args:
        http: the client for provider calls; None builds a plain ``httpx.AsyncClient``
            on the first call (building one costs an SSL context, so not up front).
        timeout: the timeout of that default client.
    """

    def __init__(self, http: httpx.AsyncClient | None, *, timeout: float) -> None:
        self._clients = OutboundClient(http, timeout=timeout)

    @property
    def opcodes(self) -> dict[str, OpHandler]:
        return {"AIGateway": self.infer}

    async def aclose(self) -> None:
        """Close the client this gateway built, if it built one."""
        await self._clients.aclose()

    def infer(self, ops: RunOps, answer: Answer, op: Op) -> None:
        run = answer.item.run
        url = (op.opts or {}).get("url")
        ops.waiting(run, op, None, {"url": None if url is None else url_secrets(str(url))[0]})
        ops.spawn(self._call(ops, run, op, 0))

    async def _call(self, ops: RunOps, run: RunState, op: Op, attempt: int) -> None:
        if not run.running:
            return
        opts = dict(op.opts or {})
        url, headers, params = _request_parts(opts)
        try:
            # The key goes beside the URL's own query (httpx's params= would replace it).
            target = httpx.URL(url).copy_merge_params(params) if params else url
            client = self._clients.get()
            request = client.build_request("POST", target, json=opts.get("body"), headers=headers)
            response = await send_limited(client, request, ops.config.limits.max_response_bytes)
            if response.is_success:
                ops.resume(run.run_id, op, {"data": response.json()})
                return
            problem = f"HTTP {response.status_code}: {response.text[:300]}"
        except ResponseTooLarge:
            problem = TOO_LARGE
        except (httpx.HTTPError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        self._failed(ops, run, op, attempt, problem)

    def _failed(self, ops: RunOps, run: RunState, op: Op, attempt: int, problem: str) -> None:
        """The call failed: another attempt after the step's backoff, or the error saved."""
        if not run.running:
            return  # the run ended while the call was out: no retry to schedule
        if attempt + 1 < run.spec.max_attempts:
            delay = ops.backoff_delay(run, op.id, attempt)
            ops.call_for(
                run,
                ops.clock.now() + delay,
                lambda: ops.spawn(self._call(ops, run, op, attempt + 1)),
            )
            return
        opts = op.opts or {}
        _, secrets = url_secrets(str(opts.get("url", "")))
        message = scrub(
            f"Error making AI request: {problem}", str(opts.get("auth_key") or ""), *secrets
        )
        ops.resume(run.run_id, op, {"error": {"name": "AIGatewayError", "message": message}})
