"""The wire protocol between the executor and an Inngest SDK serve endpoint.

Pure functions and records only: building a request body, reading a response
into typed ops, hashing step ids, reading the SDK's duration and time strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "KNOWN_OPCODES",
    "STEP_OUTPUT_OPS",
    "Op",
    "ProtocolError",
    "Reply",
    "build_body",
    "dumps",
    "hash_step_id",
    "json_size",
    "parse_duration",
    "parse_iso_time",
    "parse_reply",
]

Json = Any

#: Ops that carry a step's result, and the memo key it is stored under.
STEP_OUTPUT_OPS = {"StepRun": "data", "StepError": "error", "StepFailed": "error"}

# Opcodes the Python SDK can emit (sdk-protocol.md section 2.3).
KNOWN_OPCODES = frozenset(
    {
        "StepRun",
        "StepPlanned",
        "StepError",
        "StepFailed",
        "Sleep",
        "WaitForEvent",
        "InvokeFunction",
        "AIGateway",
    }
)


class ProtocolError(Exception):
    """A response the executor cannot read. Treated like a failed attempt."""


def dumps(value: Json) -> str:
    """Compact JSON, the way the Go executor measures and stores state."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_size(value: Json) -> int:
    return len(dumps(value).encode("utf-8"))


def hash_step_id(step_id: str, index: int | None = None) -> str:
    """The SDK's hashed id for the ``index``-th repeat of ``step_id`` (None for the first)."""
    pre_hash = step_id if not index else f"{step_id}:{index}"
    return hashlib.sha1(pre_hash.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class Op:
    """One op object of a 206 response."""

    op: str
    id: str
    display_name: str
    index: int | None
    name: str | None
    opts: Mapping[str, Json] | None
    data: Json
    error: Mapping[str, Json] | None

    @property
    def key(self) -> str:
        """The step's display id, with ``:n`` for the n-th repeat, as users name it."""
        return self.display_name if not self.index else f"{self.display_name}:{self.index}"

    @property
    def is_race(self) -> bool:
        return bool(self.opts) and self.opts.get("parallelMode") == "race"  # type: ignore[union-attr]


@dataclasses.dataclass(frozen=True, slots=True)
class Reply:
    """What one SDK response means to the executor."""

    kind: Literal["ops", "done", "error"]
    status: int
    ops: tuple[Op, ...] = ()
    output: Json = None
    error: dict[str, Json] | None = None
    no_retry: bool = False
    retry_after: str | None = None


def build_body(
    *,
    event: Mapping[str, Json],
    events: Sequence[Mapping[str, Json]],
    steps: Mapping[str, Json],
    stack: list[str],
    run_id: str,
    attempt: int,
    max_attempts: int,
    disable_immediate_execution: bool,
    use_api: bool,
) -> dict[str, Json]:
    """The execution request body, shaped as the Go executor shapes it."""
    if use_api:
        # Like the server: state is fetched through the run-state API instead.
        steps, events = {}, []
    return {
        "event": event,
        "events": events,
        "steps": dict(steps),
        "use_api": use_api,
        "version": 2,
        "ctx": {
            "run_id": run_id,
            "attempt": attempt,
            "max_attempts": max_attempts,
            "disable_immediate_execution": disable_immediate_execution,
            "use_api": use_api,
            "stack": {"stack": list(stack), "current": len(stack)},
            "step_id": "step",
        },
    }


def _parse_op(raw: object, position: int) -> Op:
    if not isinstance(raw, dict):
        raise ProtocolError(f"op #{position} is {type(raw).__name__}, expected an object")
    opcode = raw.get("op")
    if opcode not in KNOWN_OPCODES:
        raise ProtocolError(
            f"op #{position} has unknown opcode {opcode!r}; "
            f"known opcodes: {', '.join(sorted(KNOWN_OPCODES))}"
        )
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id:
        raise ProtocolError(f"op #{position} ({opcode}) has no string 'id'")
    userland = raw.get("userland") or {}
    display = raw.get("displayName") or (userland.get("id") if isinstance(userland, dict) else None)
    index = userland.get("index") if isinstance(userland, dict) else None
    opts = raw.get("opts")
    error = raw.get("error")
    return Op(
        op=opcode,
        id=step_id,
        display_name=str(display or raw.get("name") or step_id),
        index=index if isinstance(index, int) else None,
        name=raw.get("name"),
        opts=opts if isinstance(opts, dict) else None,
        data=raw.get("data"),
        error=error if isinstance(error, dict) else None,
    )


def _unwrap_streamed(status: int, body: bytes) -> tuple[int, bytes, dict[str, str]]:
    # Streaming responses (201) carry keep-alive spaces, then the real response.
    envelope = json.loads(body.strip() or b"null")
    if not isinstance(envelope, dict) or "status" not in envelope:
        raise ProtocolError("201 streamed response has no {status, body, headers} envelope")
    inner = envelope.get("body")
    headers = {str(k).lower(): str(v) for k, v in (envelope.get("headers") or {}).items()}
    raw = inner.encode("utf-8") if isinstance(inner, str) else json.dumps(inner).encode("utf-8")
    return int(envelope["status"]), raw, headers


def parse_reply(status: int, headers: Mapping[str, str], body: bytes) -> Reply:
    """Read an SDK response. Raises :class:`ProtocolError` for anything unreadable."""
    try:
        return _parse_reply(status, headers, body)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # Bytes that are not UTF-8, envelopes with the wrong types, ...
        raise ProtocolError(
            f"HTTP {status} body cannot be read: {type(exc).__name__}: {exc}"
        ) from exc


def _parse_reply(status: int, headers: Mapping[str, str], body: bytes) -> Reply:
    headers = {k.lower(): v for k, v in headers.items()}
    if status == 201:
        status, body, inner_headers = _unwrap_streamed(status, body)
        headers = {**headers, **inner_headers}
    no_retry = headers.get("x-inngest-no-retry", "").lower() == "true"
    retry_after = headers.get("retry-after")
    if 200 <= status < 300 and "x-inngest-sdk" not in headers:
        raise ProtocolError(
            f"HTTP {status} without an x-inngest-sdk header: the response did not "
            "come from an Inngest SDK (is the URL the serve endpoint?)"
        )
    try:
        payload = json.loads(body) if body.strip() else None
    except json.JSONDecodeError as exc:
        if status >= 300:
            payload = {"message": body.decode("utf-8", "replace")[:500]}
        else:
            raise ProtocolError(f"HTTP {status} body is not JSON: {exc}") from exc
    if status == 206:
        if isinstance(payload, dict):
            payload = [payload]  # 0.x SDKs answered with a single op object
        if not isinstance(payload, list) or not payload:
            raise ProtocolError(
                f"206 body must be a non-empty JSON array of ops, got {body[:200]!r}"
            )
        ops = tuple(_parse_op(raw, i) for i, raw in enumerate(payload))
        return Reply("ops", status, ops=ops, no_retry=no_retry, retry_after=retry_after)
    if 200 <= status < 300:
        return Reply("done", status, output=payload)
    if "x-inngest-sdk" not in headers:
        # Not the SDK (a proxy's error page, a crashed server): keep what the server would.
        text = body.decode("utf-8", "replace").strip()[:300]
        return Reply(
            "error",
            status,
            error={"name": "Error", "message": f"invalid status code: {status}: {text}"},
        )
    error = payload if isinstance(payload, dict) else {"message": str(payload)}
    if "name" not in error:
        error = {"name": "Error", **error}
    return Reply("error", status, error=error, no_retry=no_retry, retry_after=retry_after)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
}


def parse_iso_time(text: str) -> float:
    """POSIX seconds of an ISO-8601 time such as the SDK puts in a Sleep op's name."""
    if not isinstance(text, str) or not _ISO.match(text):
        raise ProtocolError(f"{text!r} is not an ISO-8601 time")
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration string (``90s``, ``1h30m``, ``2d``)."""
    text = text.strip()
    pos, total = 0, 0.0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ProtocolError(f"{text!r} is not a duration such as '30s', '5m' or '1h30m'")
    return total
