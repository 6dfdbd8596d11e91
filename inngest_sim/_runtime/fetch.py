"""``step.fetch``: the executor makes the HTTP call the SDK reported (opcode ``Gateway``).

As the Go server does (``executor.go handleGeneratorGateway``, ``pkg/util/gateway``):

* the request is ``opts.method`` (POST when empty) to ``opts.url`` with ``opts.headers``;
  ``opts.body`` goes as it is when it is valid JSON, and as a JSON string otherwise;
* any answer, an HTTP 500 included, is saved as
  ``{"data": {"url", "headers", "body", "status_code"}}``, the header names written as
  Go writes them (``Content-Type``) and repeated values joined with ``,``;
* only a transport error (no answer at all) fails the step's attempt: the SDK request
  is retried as any failed attempt is, and after the last one the step is saved as
  ``{"error": {"name": "GatewayError", "message": "Error making gateway request: ..."}}``.

Private and loopback addresses are allowed, as the dev server allows them. Mock the
remote side with respx, or pass ``fetch_client=`` (an ``httpx.AsyncClient``, whose
transport can be an ``httpx.MockTransport``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._bounded import TOO_LARGE, ResponseTooLarge, send_limited
from inngest_sim._runtime.ai import _canonical
from inngest_sim._runtime.outbound import OutboundClient
from inngest_sim._runtime.secrets import url_secrets

if TYPE_CHECKING:
    from inngest_sim._engine.ports import Answer, OpHandler, RunOps
    from inngest_sim._protocol import Op

__all__ = ["GATEWAY_ERROR", "FetchFaultHook", "FetchGateway"]

#: Gives the response an injected fault asks for (or raises), or None:
#: ``(request, function_id, step, attempt, run_id)``.
FetchFaultHook = Callable[[httpx.Request, str, str, int, str], "httpx.Response | None"]

# exechttp validMethod: the methods Go's gateway sends, exactly as written.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE")
#: The error name the server saves when a gateway call got no answer.
GATEWAY_ERROR = "GatewayError"


def request_of(opts: dict[str, Any]) -> httpx.Request:
    """The HTTP request a ``Gateway`` op asks for, built as Go builds it."""
    method = str(opts.get("method") or "POST")
    body = opts.get("body")
    content: bytes | None = None
    if isinstance(body, str) and body != "":
        try:
            json.loads(body)
        except ValueError:
            body = json.dumps(body)  # Go marshals a body that is not JSON as a JSON string
        content = body.encode()
    # Go's client names itself "Inngest"; the op's headers are added to that.
    headers = {"User-Agent": "Inngest"}
    headers.update({str(k): str(v) for k, v in (opts.get("headers") or {}).items()})
    return httpx.Request(method, str(opts.get("url", "")), headers=headers, content=content)


def _why(exc: Exception) -> str:
    """The server's words for a call that got no answer (``exechttp.DoRequest``): a refused,
    unreachable or dropped connection (``isUnreachable``) is ``ErrUnableToReach``; anything
    else it wraps."""
    text = str(exc).lower()
    unreachable = ("refused", "unreachable", "no route to host")
    if isinstance(exc, httpx.RemoteProtocolError) or any(word in text for word in unreachable):
        return "Unable to reach SDK URL"
    return f"error performing request: {exc}"


def saved_response(url: str, response: httpx.Response) -> dict[str, Any]:
    """What the server saves of an answer: ``gateway.Response`` in its JSON shape."""
    headers: dict[str, str] = {}
    for name, value in response.headers.multi_items():
        key = _canonical(name)
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    saved: dict[str, Any] = {"url": url, "headers": headers}
    saved["body"] = response.text
    saved["status_code"] = response.status_code
    return saved


class FetchGateway:
    """Makes the HTTP calls of ``Gateway`` ops (``step.fetch``).

    Args:
        http: the client for the calls; None builds a plain ``httpx.AsyncClient`` on the
            first call (building one costs an SSL context, so not up front).
        timeout: the timeout of that default client.
        faults: the fault plan's hook for these calls (``fetch_error``, ``fetch_status``).
    """

    def __init__(
        self,
        http: httpx.AsyncClient | None,
        *,
        timeout: float,
        faults: FetchFaultHook | None = None,
    ) -> None:
        self._faults = faults
        self._clients = OutboundClient(http, timeout=timeout)

    @property
    def opcodes(self) -> dict[str, OpHandler]:
        return {"Gateway": self.fetch}

    async def aclose(self) -> None:
        """Close the client this gateway built, if it built one."""
        await self._clients.aclose()

    def fetch(self, ops: RunOps, answer: Answer, op: Op) -> None:
        opts = dict(op.opts or {})
        method = str(opts.get("method") or "POST")
        if method not in _METHODS:
            # Go refuses it before any call ("invalid http method") and its queue then
            # retries the request past the step's attempts, so the run never ends there;
            # here it ends at once, saying why.
            message = (
                f"{answer.describe()}: step {op.key!r} asks step.fetch for HTTP method "
                f"{method!r}, which the server refuses (invalid http method): use one of "
                f"{', '.join(_METHODS)}, in capitals"
            )
            ops.fail(answer.item.run, {"name": GATEWAY_ERROR, "message": message})
            return
        url = opts.get("url")
        detail = {"url": None if url is None else url_secrets(str(url))[0], "method": method}
        ops.waiting(answer.item.run, op, None, detail)
        ops.spawn(self._call(ops, answer, op))

    def _injected(self, answer: Answer, op: Op, request: httpx.Request) -> httpx.Response | None:
        if self._faults is None:
            return None
        item = answer.item
        return self._faults(request, item.run.spec.id, op.key, item.attempt, item.run.run_id)

    async def _call(self, ops: RunOps, answer: Answer, op: Op) -> None:
        if not answer.item.run.running:
            return
        try:
            request = request_of(dict(op.opts or {}))
            response = self._injected(answer, op, request) or await send_limited(
                self._clients.get(), request, ops.config.limits.max_response_bytes
            )
            await response.aread()
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, ResponseTooLarge) as exc:
            problem = TOO_LARGE if isinstance(exc, ResponseTooLarge) else _why(exc)
            self._failed(ops, answer, op, problem)
            return
        self._answered(ops, answer, op, response)

    def _answered(self, ops: RunOps, answer: Answer, op: Op, response: httpx.Response) -> None:
        """The call got an answer (any status): the step's output."""
        run = answer.item.run
        if not run.running:
            return  # the run ended while the call was out: its answer is late
        ops.attempt(answer, op.id, op.key, "ok")
        url = str((op.opts or {}).get("url", ""))
        ops.resume(run.run_id, op, {"data": saved_response(url, response)})

    def _failed(self, ops: RunOps, answer: Answer, op: Op, problem: str) -> None:
        """The call got no answer: a failed attempt, retried as the whole request."""
        run = answer.item.run
        if not run.running:
            return  # the run ended while the call was out: its failure is late
        error = {"name": GATEWAY_ERROR, "message": f"Error making gateway request: {problem}"}
        final = ops.retries_exhausted(answer.item, False, error)
        ops.attempt(answer, op.id, op.key, "failed" if final else "error", error)
        if final:
            ops.resume(run.run_id, op, {"error": error})
            return
        # As on the server the whole request is retried: the SDK reports the op again.
        run.seen_ops.discard(op.id)
        ops.retry_or_fail(answer.item, error, False, None, op.key)
