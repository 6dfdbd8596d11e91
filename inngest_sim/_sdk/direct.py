"""An in-process serve endpoint that calls the SDK's own request handler directly.

The default in-process path is httpx → ``ASGITransport`` → FastAPI → the SDK's
FastAPI adapter → ``CommHandler``. ``DirectEndpoint`` keeps both ends and
drops the middle: it builds the handler as ``inngest.fast_api.serve`` does, hands
it the same body bytes, headers, query, URL and path the adapter would derive
from the same request, and turns its answer into what the executor would have read
from an ``httpx.Response`` (body serialised as the adapter does, streams drained,
header names lower-cased as Starlette sends them), as a ``DirectAnswer``: the
executor reads status, headers and body once, and building an ``httpx.Response``
for that cost more than the rest of the endpoint. It has the interface of
``inngest_sim._sdk.serve.Endpoint``.

What the SDK sees differently: ``CommRequest.raw_request`` is a Starlette
``Request`` over a plain ASGI scope, without the ``app``, ``router`` and
``route`` entries FastAPI adds. The FastAPI and
ASGI path stays for ``Simulator.from_app`` and ``from_url``.

Registration works as before: ``sync()`` calls the handler's ``put``, and the SDK
POSTs its functions through its client's own HTTP client, which the simulator
already routes in-process.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

import httpx
from inngest._internal import comm_lib, server_lib, transforms
from starlette.requests import Request

from inngest_sim._protocol import ResponseTooLarge
from inngest_sim._sdk.serve import (
    DEFAULT_SERVE_PATH,
    IN_PROCESS_ORIGIN,
    execution_request,
    server_kind,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from inngest_sim._protocol import ExecutionCall

__all__ = ["AnswerHeaders", "DirectAnswer", "DirectEndpoint"]

# What httpx.ASGITransport puts in every scope.
_ASGI_CLIENT: Final = ("127.0.0.1", 123)
_DEFAULT_HEADERS: list[tuple[bytes, bytes]] = []


def _client_headers() -> list[tuple[bytes, bytes]]:
    """The headers an ``httpx.AsyncClient`` adds to every request, lower-cased.

    Read from a client once per process; a transport is given, so no SSL context
    is made, and ``trust_env=False`` keeps proxy settings from making one.
    """
    if not _DEFAULT_HEADERS:
        probe = httpx.AsyncClient(transport=httpx.MockTransport(_unused), trust_env=False)
        _DEFAULT_HEADERS.extend((k.lower(), v) for k, v in probe.headers.raw)
    return _DEFAULT_HEADERS


def _unused(request: httpx.Request) -> httpx.Response:
    raise AssertionError("the header probe client sends nothing")


async def _no_more_body() -> dict[str, Any]:
    return {"type": "http.disconnect"}


class AnswerHeaders(dict[str, str]):
    """Header names to values, and ``raw``: the pairs as sent, in order.

    Names are lower-case, as Starlette sends them, and so are lookups: unlike
    ``httpx.Headers`` this is a plain dict (the executor lower-cases what it reads).
    """

    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]], text: dict[str, str] | None = None) -> None:
        # ``text``, when given, is ``raw`` already decoded (saves a round trip).
        super().__init__(_decoded(raw) if text is None else text)
        self.raw = raw


class DirectAnswer:
    """An answer of the SDK's handler, as an ``httpx.Response`` read whole would give it."""

    __slots__ = ("content", "headers", "status_code")

    def __init__(
        self,
        status_code: int,
        raw_headers: list[tuple[bytes, bytes]],
        content: bytes,
        text_headers: dict[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = AnswerHeaders(raw_headers, text_headers)
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"<DirectAnswer [{self.status_code}]>"


class DirectEndpoint:
    """A serve endpoint for ``functions`` that needs neither HTTP nor an ASGI app."""

    def __init__(
        self,
        client: Any,
        functions: Sequence[Any],
        *,
        serve_path: str = DEFAULT_SERVE_PATH,
        signing_key: str | None = None,
        origin: str = IN_PROCESS_ORIGIN,
    ) -> None:
        self.url = origin + serve_path
        self._client = client
        self._serve_path = serve_path
        self._signing_key = signing_key
        parts = urlsplit(self.url)
        self._scheme = parts.scheme
        self._host = parts.netloc.encode("ascii")
        self._server = (parts.hostname or "", parts.port)
        self._path = parts.path
        self._leading = [(b"host", self._host), *_client_headers()]  # the same on every POST
        self._leading_text = _decoded(self._leading)
        # As inngest.fast_api.serve builds it (streaming and unauthed sync from the env).
        self._handler = comm_lib.CommHandler(
            client=client,
            framework=server_lib.Framework.FAST_API,
            functions=list(functions),
            streaming=None,
            **_handler_options(),
        )

    async def execute(self, call: ExecutionCall) -> DirectAnswer:
        built = execution_request(call, self._signing_key)
        # In the order httpx sends them: host, its own defaults, the request's, the length.
        length = str(len(built.raw))
        headers = [
            *self._leading,
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in built.headers.items()),
            (b"content-length", length.encode("latin-1")),
        ]
        text = {**self._leading_text, **built.headers, "content-length": length}
        response = await self._send("POST", headers, text, built.raw, built.query, built.params)
        if call.max_bytes is not None and len(response.content) > call.max_bytes:
            raise ResponseTooLarge(len(response.content))
        return response

    async def sync(self) -> DirectAnswer:
        """Ask the SDK to register its functions (it POSTs them to ``/fn/register``)."""
        headers = [
            (b"host", self._host),
            # httpx sends a bodiless PUT with a zero length, right after the host.
            (b"content-length", b"0"),
            *_client_headers(),
            (b"x-inngest-server-kind", server_kind(self._signing_key).encode("latin-1")),
        ]
        return await self._send("PUT", headers, _decoded(headers), b"", "", ())

    async def _send(
        self,
        method: str,
        headers: list[tuple[bytes, bytes]],
        text: dict[str, str],
        raw: bytes,
        query: str,
        params: tuple[tuple[str, str], ...],
    ) -> DirectAnswer:
        """One request to the handler; ``text`` is ``headers`` decoded (the caller has it)."""
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "headers": headers,
            "scheme": self._scheme,
            "path": self._path,
            "raw_path": self._path.encode("ascii"),
            "query_string": query.encode("ascii"),
            "server": self._server,
            "client": _ASGI_CLIENT,
            "root_path": "",
        }
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return await _no_more_body()
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        # What the adapter derives from its Starlette request, worked out directly
        # (Starlette's derivations cost more than the SDK's own handling of a small
        # request); the equivalence tests hold them to the adapter's values.
        url = f"{self._scheme}://{self._host.decode('latin-1')}{self._path}"
        comm_request = comm_lib.CommRequest(
            body=raw,
            headers=text,
            public_path=None,
            query_params=dict(params),  # what the adapter parses back out of ``query``
            raw_request=Request(scope, receive),
            request_url=f"{url}?{query}" if query else url,
            serve_origin=None,
            serve_path=self._serve_path,
        )
        try:
            if method == "PUT":
                response = await self._handler.put(comm_request)
            else:
                response = await self._handler.post(comm_request)
            return await self._to_response(response)
        except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # what a web server in front of the adapter would answer
            page = f"Internal Server Error ({type(exc).__name__}: {exc})".encode()
            length = str(len(page)).encode("latin-1")
            plain = [(b"content-length", length), (b"content-type", b"text/plain; charset=utf-8")]
            return DirectAnswer(500, plain, page)

    async def _to_response(self, response: Any) -> DirectAnswer:
        """What ``inngest.fast_api._to_response`` sends, as httpx would read it."""
        if response.stream is not None:
            # A StreamingResponse: no content-length, the chunks in order. Starlette
            # iterates the stream from a task of its own, so the SDK's call task runs
            # first; yield once to do the same, or every answer would open with a
            # keep-alive space that the FastAPI path seldom sends.
            await asyncio.sleep(0)
            content = b"".join([chunk async for chunk in response.stream()])
            headers = _encode_headers(response.headers)
        else:
            body = transforms.dump_json(response.body)
            if isinstance(body, Exception):
                response = comm_lib.CommResponse.from_error(self._client.logger, body)
                body = json.dumps(response.body)
            content = body.encode("utf-8")
            headers = _encode_headers(response.headers)
            text = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if "content-length" not in text and not (status < 200 or status in (204, 304)):
                text["content-length"] = str(len(content))
                headers.append((b"content-length", text["content-length"].encode("latin-1")))
            return DirectAnswer(status, headers, content, text)
        return DirectAnswer(response.status_code, headers, content)


def _decoded(pairs: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Header pairs as a dict of text, as Starlette and the SDK's adapter read them."""
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in pairs}


def _encode_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Header names and values as Starlette's ``Response.init_headers`` encodes them."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


@functools.cache
def _handler_options() -> dict[str, Any]:
    # inngest 0.5.19 added enable_unauthed_sync (None: from the environment, as its
    # fast_api.serve passes it); earlier 0.5.x handlers do not take it.
    parameters = inspect.signature(comm_lib.CommHandler).parameters
    return {"enable_unauthed_sync": None} if "enable_unauthed_sync" in parameters else {}
