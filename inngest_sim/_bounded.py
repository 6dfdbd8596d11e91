"""Every response inngest-sim reads is read with its size limit applied while reading.

The Go server reads an SDK's answer, and a gateway's (``step.fetch``, ``step.ai.infer``),
through ``io.LimitReader(body, MaxSDKResponseBodySize+1)`` and refuses what passes the limit
(``pkg/execution/exechttp/exechttp.go``): an endless body costs it one byte over the limit.
Here too a body is read chunk by chunk and reading stops at the first chunk past the limit,
over HTTP and in-process alike. An in-process app is not read by a socket: ``Budget`` is
the limit of the request being sent (a context variable, set around the send), which the
in-process transports check while the app writes its body, stopping the app there.
"""

from __future__ import annotations

import contextvars
import dataclasses
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._protocol import ResponseTooLarge

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, MutableMapping

    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    App = Callable[[Message, Receive, Send], Awaitable[None]]

__all__ = [
    "DEFAULT_MAX_BYTES",
    "TOO_LARGE",
    "Budget",
    "ResponseTooLarge",
    "bounded_asgi",
    "decoded_headers",
    "read_chunks",
    "read_iterable",
    "send_limited",
]

#: What the Go server says of an answer past the limit (``exechttp.ErrBodyTooLarge``).
TOO_LARGE = "http response size is greater than the limit"

#: The limit for answers read outside a run's own limits (registration, app syncs):
#: ``Limits().max_response_bytes``.
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


@dataclasses.dataclass(slots=True)
class Budget:
    """The bytes a response may still have, and whether an app went past them."""

    limit: int
    read: int = 0
    exceeded: bool = False

    def take(self, chunk: bytes) -> None:
        self.read += len(chunk)
        if self.read > self.limit:
            self.exceeded = True
            raise ResponseTooLarge(self.read)


#: The budget of the request being sent in this context (None: no limit).
CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "inngest_sim_response_budget", default=None
)


async def send_limited(
    http: httpx.AsyncClient, request: httpx.Request, max_bytes: int | None
) -> httpx.Response:
    """Send ``request`` and read its answer whole, up to ``max_bytes``.

    Raises ``ResponseTooLarge`` as soon as the body passes ``max_bytes``. The answer
    comes back decoded, so it no longer carries an encoding or its wire length.
    """
    # The app's budget (in-process, counted as it writes) and the reader's own count.
    budget = Budget(max_bytes) if max_bytes is not None else None
    reading = Budget(max_bytes) if max_bytes is not None else None
    token = CURRENT.set(budget)
    try:
        response = await http.send(request, stream=True)
        try:
            content = await read_chunks(response.aiter_bytes(), reading)
        finally:
            await response.aclose()
        if budget is not None and budget.exceeded:
            raise ResponseTooLarge(budget.read)  # an in-process app was stopped there
    finally:
        CURRENT.reset(token)
    kept = decoded_headers(response.headers.multi_items())
    return httpx.Response(response.status_code, headers=kept, content=content, request=request)


async def read_chunks(chunks: AsyncIterable[bytes], budget: Budget | None) -> bytes:
    """A decoded body, read chunk by chunk with ``budget`` (it stops at the first past it)."""
    read = []
    async for chunk in chunks:
        if budget is not None:
            budget.take(chunk)
        read.append(chunk)
    return b"".join(read)


def decoded_headers(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """An answer's headers once its body is decoded: it no longer carries an encoding or
    its wire length."""
    return [(k, v) for k, v in items if k.lower() not in ("content-encoding", "content-length")]


def read_iterable(body: Iterable[bytes], budget: Budget | None) -> bytes:
    """A WSGI app's body, read with ``budget`` (it stops at the first chunk past it)."""
    chunks = []
    try:
        for chunk in body:
            if budget is not None:
                budget.take(chunk)
            chunks.append(chunk)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return b"".join(chunks)


def bounded_asgi(app: Any) -> App:
    """``app``, stopped (``ResponseTooLarge`` from its ``send``) once its body passes the
    budget of the request being sent. Without a budget it runs untouched."""

    async def bounded(scope: Message, receive: Receive, send: Send) -> None:
        budget = CURRENT.get()
        if budget is None or scope.get("type") != "http":
            await app(scope, receive, send)
            return

        async def counted(message: Message) -> None:
            if message.get("type") == "http.response.body":
                budget.take(message.get("body", b""))
            await send(message)

        await app(scope, receive, counted)

    return bounded
