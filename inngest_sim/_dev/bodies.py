"""Request bodies of the dev server's own endpoints: bounded, JSON, checked key by key.

Every endpoint added for tests and tools (time control, REST API v2, MCP) reads its body
through here, so a body that is too large, not JSON, not an object, or has a key the
endpoint does not take is answered with a 4xx that names the problem, the same way
everywhere, and a client that streams forever cannot hold the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from inngest_sim._server.door import BadBody, read_json

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.requests import Request

__all__ = [
    "MAX_BODY",
    "Problem",
    "problem_response",
    "read_bytes",
    "read_object",
    "seconds_param",
]

MAX_BODY = 256 * 1024  # bytes: far above any time or API request, far below memory trouble


class Problem(Exception):
    """A request the server refuses: ``status`` (4xx/5xx) and a message saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def problem_response(problem: Problem) -> JSONResponse:
    return JSONResponse({"error": problem.message, "status": problem.status}, problem.status)


async def read_bytes(request: Request, *, limit: int = MAX_BODY) -> bytes:
    """The body, refused with a 413 past ``limit`` bytes (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the body is {declared} bytes; this endpoint takes at most {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"the body is over {limit} bytes, the most this endpoint takes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_object(
    request: Request, *, keys: Iterable[str], limit: int = MAX_BODY
) -> dict[str, Any]:
    """The body as a JSON object with only ``keys`` (an empty body is ``{}``)."""
    raw = await read_bytes(request, limit=limit)
    try:
        # The server's own reader: NaN, 1e999, bad UTF-8 and deep nesting refused too.
        body = read_json(raw, "the body", empty={})
    except BadBody as exc:
        raise Problem(400, str(exc)) from None
    allowed = sorted(keys)
    if not isinstance(body, dict):
        raise Problem(
            400, f"the body must be a JSON object (with {', '.join(allowed) or 'no keys'})"
        )
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise Problem(
            400,
            f"unknown field(s) {', '.join(map(repr, unknown))}; this endpoint takes "
            f"{', '.join(map(repr, allowed)) or 'no fields'}",
        )
    return body


def seconds_param(request: Request, name: str, default: float, most: float) -> float:
    """``?name=`` as real seconds from 0 to ``most`` (``default`` when absent); a 400 else."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise Problem(400, f"?{name}={raw!r} is not a number of seconds") from None
    if not 0 <= value <= most:
        raise Problem(400, f"?{name}={raw}: give 0 to {most:g} seconds")
    return value
