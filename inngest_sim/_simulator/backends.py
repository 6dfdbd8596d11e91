"""How the simulator reaches the SDK: in-process, an app of yours, or a URL.

Each backend builds the ``inngest_sim._sdk.serve.Endpoint`` the run loop posts
to, and says what it supports, as temporalio's ``WorkflowEnvironment`` backends do:
only an SDK running in this process can be watched from inside ``step.run`` (body
executions, in-step faults), and only a remote SDK needs the simulator's Inngest API
on a loopback port.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

import httpx

from inngest_sim._errors import InvalidArgument
from inngest_sim._sdk.serve import (
    DEFAULT_SERVE_PATH,
    IN_PROCESS_ORIGIN,
    Endpoint,
    build_asgi_app,
    transport_for_app,
)
from inngest_sim._server.loopback import nodelay_transport

if TYPE_CHECKING:
    import contextlib

    from inngest_sim._engine.ports import ServeEndpoint

__all__ = ["AppBackend", "Backend", "HttpBackend", "InProcessBackend"]

#: Puts fault injection in front of a backend's own endpoint.
WrapEndpoint = Callable[["ServeEndpoint"], "ServeEndpoint"]


class Backend(Protocol):
    """Where the functions under test are served."""

    @property
    def supports_body_probe(self) -> bool:
        """Whether step bodies can be watched (executions, in-step faults)."""
        ...

    @property
    def api_port(self) -> int | None:
        """The loopback port to serve the Inngest API on (None: in-process only)."""
        ...

    def open(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        client: Any,
        functions: Sequence[Any],
        signing_key: str | None,
        wrap: WrapEndpoint,
    ) -> ServeEndpoint:
        """The endpoint to post execution requests to; its resources close with ``stack``."""
        ...


def _endpoint(
    stack: contextlib.AsyncExitStack,
    transport: httpx.AsyncBaseTransport,
    url: str,
    signing_key: str | None,
) -> Endpoint:
    http = httpx.AsyncClient(transport=transport, timeout=None)
    stack.push_async_callback(http.aclose)
    return Endpoint(http, url, signing_key)


def _in_process(
    stack: contextlib.AsyncExitStack,
    app: Any,
    serve_path: str,
    signing_key: str | None,
    wrap: WrapEndpoint,
) -> ServeEndpoint:
    return wrap(
        _endpoint(stack, transport_for_app(app), IN_PROCESS_ORIGIN + serve_path, signing_key)
    )


def _check_serve_path(serve_path: Any) -> str:
    if not isinstance(serve_path, str) or not serve_path.startswith("/"):
        raise InvalidArgument(
            f"serve_path={serve_path!r} must be a URL path starting with '/', e.g. '/api/inngest'"
        )
    return serve_path


@dataclasses.dataclass(frozen=True)
class InProcessBackend:
    """The functions served in this process, by the SDK's own request handler.

    Args:
        serve_path: the path the functions are served at.
        transport: ``"direct"`` (the default) hands each request's bytes and headers to
            the handler the SDK's FastAPI adapter calls, without HTTP or ASGI in between;
            ``"asgi"`` serves them with the FastAPI adapter over ``httpx.ASGITransport``,
            for anyone who wants the adapter (and its middleware) in the loop.
    """

    serve_path: str = DEFAULT_SERVE_PATH
    transport: Literal["direct", "asgi"] = "direct"
    supports_body_probe: bool = dataclasses.field(default=True, init=False)
    api_port: int | None = dataclasses.field(default=None, init=False)

    def __post_init__(self) -> None:
        _check_serve_path(self.serve_path)
        if self.transport not in ("direct", "asgi"):
            raise InvalidArgument(
                f"transport={self.transport!r}: choose 'direct' (the SDK's handler, no HTTP) "
                "or 'asgi' (its FastAPI adapter over httpx)"
            )

    def open(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        client: Any,
        functions: Sequence[Any],
        signing_key: str | None,
        wrap: WrapEndpoint,
    ) -> ServeEndpoint:
        """The endpoint the simulator sends execution requests to; cleanup goes on ``stack``."""
        if self.transport == "asgi":
            app = build_asgi_app(client, functions, self.serve_path)
            return _in_process(stack, app, self.serve_path, signing_key, wrap)
        from inngest_sim._sdk.direct import DirectEndpoint

        return wrap(
            DirectEndpoint(client, functions, serve_path=self.serve_path, signing_key=signing_key)
        )


@dataclasses.dataclass(frozen=True)
class AppBackend:
    """Any ASGI app that serves Inngest functions, or a WSGI app run in a worker thread."""

    app: Any
    serve_path: str = DEFAULT_SERVE_PATH
    supports_body_probe: bool = dataclasses.field(default=True, init=False)
    api_port: int | None = dataclasses.field(default=None, init=False)

    def __post_init__(self) -> None:
        if not callable(self.app):
            raise InvalidArgument(f"app={self.app!r} is not an ASGI or WSGI application")
        _check_serve_path(self.serve_path)

    def open(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        client: Any,
        functions: Sequence[Any],
        signing_key: str | None,
        wrap: WrapEndpoint,
    ) -> ServeEndpoint:
        """The endpoint the simulator sends execution requests to; cleanup goes on ``stack``."""
        return _in_process(stack, self.app, self.serve_path, signing_key, wrap)


@dataclasses.dataclass(frozen=True)
class HttpBackend:
    """A serve endpoint reached over HTTP; the Inngest API is served on ``api_port``."""

    url: str
    api_port: int | None = 0
    supports_body_probe: bool = dataclasses.field(default=False, init=False)

    def __post_init__(self) -> None:
        parsed = httpx.URL(self.url) if isinstance(self.url, str) else None
        if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
            raise InvalidArgument(
                f"url={self.url!r} must be the serve endpoint's http(s) URL, "
                "e.g. 'http://127.0.0.1:8000/api/inngest'"
            )

    def open(
        self,
        stack: contextlib.AsyncExitStack,
        *,
        client: Any,
        functions: Sequence[Any],
        signing_key: str | None,
        wrap: WrapEndpoint,
    ) -> ServeEndpoint:
        """The endpoint the simulator sends execution requests to; cleanup goes on ``stack``."""
        return wrap(_endpoint(stack, nodelay_transport(), self.url, signing_key))
