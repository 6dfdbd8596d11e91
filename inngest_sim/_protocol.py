"""The wire protocol between the executor and an Inngest SDK serve endpoint.

Pure functions and records only: building a request body, reading a response
into typed ops, hashing step ids, reading the SDK's duration and time strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import re
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = [
    "DISCOVERY_STEP",
    "KNOWN_OPCODES",
    "PROTOCOL_VERSIONS",
    "RUN_COMPLETE",
    "STEP_OUTPUT_OPS",
    "ExecutionCall",
    "Op",
    "ProtocolError",
    "Reply",
    "ResponseTooLarge",
    "build_body",
    "dumps",
    "error_memo",
    "hash_step_id",
    "json_size",
    "normalise_error",
    "parse_duration",
    "parse_iso_time",
    "parse_ops",
    "parse_reply",
    "parse_sleep_target",
    "parse_time_or_duration",
]

Json = Any

#: Ops that carry a step's result, and the memo key it is stored under.
STEP_OUTPUT_OPS = {"StepRun": "data", "StepError": "error", "StepFailed": "error"}

#: The op a checkpointing SDK (TypeScript v4) ends a run with: ``{"op", "id", "data"}``.
RUN_COMPLETE = "RunComplete"

#: The request versions an SDK may answer with (``x-inngest-req-version``): 1 is the
#: deprecated "optimizeParallelism: false" of the TypeScript SDK, 2 today's.
PROTOCOL_VERSIONS = frozenset({"1", "2"})

# Opcodes the Python SDK (sdk-protocol.md section 2.3) and the TypeScript SDK v4
# (ts-sdk-v4-protocol.md section 2.3) can emit.
KNOWN_OPCODES = frozenset(
    {
        RUN_COMPLETE,
        "StepRun",
        "StepPlanned",
        "StepError",
        "StepFailed",
        "Sleep",
        "WaitForEvent",
        "InvokeFunction",
        "AIGateway",
        "Gateway",
        "WaitForSignal",
        "DeferAdd",
        "DeferAbort",
    }
)


# The step id of a request that asks the function to run until it reaches new work.
DISCOVERY_STEP = "step"


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionCall:
    """One execution request the executor sends: the function, step and run it is for,
    its id, the body (``build_body``) and how much of the answer may be read."""

    fn_id: str
    step_id: str
    run_id: str
    request_id: str
    body: dict[str, Any]
    max_bytes: int | None = None


class ResponseTooLarge(Exception):
    """The SDK's answer grew past ``ExecutionCall.max_bytes``; reading stopped there."""

    def __init__(self, read: int) -> None:
        super().__init__(f"more than {read} bytes")
        self.read = read


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
    # Step metadata riding on the op (TypeScript): ``[{kind, scope, op, values}]``.
    metadata: tuple[Mapping[str, Json], ...] = ()

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
    fn_id: str | None = None,
    qi_id: str | None = None,
    defers: Mapping[str, Json] | None = None,
) -> dict[str, Json]:
    """The execution request body, shaped as the Go executor shapes it.

    ``fn_id`` (the function's UUID) and ``qi_id`` (the queue item's reference) are what
    the Go server sends; a TypeScript v4 SDK checkpoints only when it gets both. Without
    them it speaks the classic one-step-per-request protocol.
    """
    if use_api:
        # Like the server: state is fetched through the run-state API instead.
        steps, events = {}, []
    ctx: dict[str, Json] = {
        "run_id": run_id,
        "attempt": attempt,
        "max_attempts": max_attempts,
        "disable_immediate_execution": disable_immediate_execution,
        "use_api": use_api,
        "stack": {"stack": list(stack), "current": len(stack)},
        "step_id": "step",
    }
    if fn_id is not None:
        ctx["fn_id"] = fn_id
    if qi_id is not None:
        ctx["qi_id"] = qi_id
    body: dict[str, Json] = {
        "event": event,
        "events": events,
        "steps": dict(steps),
        "use_api": use_api,
        "version": 2,
        "ctx": ctx,
    }
    if defers:
        # Deferred runs already registered (TypeScript ``defer()``): the SDK does not send
        # their DeferAdd again. Left out when there are none, as only TS apps defer.
        body["defers"] = dict(defers)
    return body


def _parse_op(raw: object, position: int) -> Op:
    if not isinstance(raw, dict):
        raise ProtocolError(f"op #{position} is {type(raw).__name__}, expected an object")
    opcode = raw.get("op")
    if not isinstance(opcode, str) or not opcode:
        raise ProtocolError(
            f"op #{position} has no opcode ({opcode!r}); "
            f"known opcodes: {', '.join(sorted(KNOWN_OPCODES))}"
        )
    # An opcode the simulator does not know is still an op: the engine fails the run with
    # an error naming it, rather than retrying an answer that will never change.
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id:
        raise ProtocolError(f"op #{position} ({opcode}) has no string 'id'")
    where = f"op #{position} ({opcode} {step_id[:12]})"
    userland = raw.get("userland")
    userland = userland if isinstance(userland, dict) else {}
    display = raw.get("displayName") or userland.get("id")
    index = userland.get("index")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise ProtocolError(f"{where}: 'name' must be a string, got {type(name).__name__}")
    opts = raw.get("opts")
    if opts is not None and not isinstance(opts, dict):
        raise ProtocolError(f"{where}: 'opts' must be an object, got {type(opts).__name__}")
    _check_opts(opcode, opts or {}, where)
    if opcode == "Sleep":
        _check_sleep(name, opts or {}, where)
    error = raw.get("error")
    return Op(
        op=opcode,
        id=step_id,
        display_name=_text(display or name or step_id),
        index=index if isinstance(index, int) and not isinstance(index, bool) else None,
        name=name,
        opts=opts,
        data=raw.get("data"),
        error=normalise_error(error, "the step failed") if opcode in STEP_ERROR_OPS else None,
        metadata=_metadata(raw.get("metadata"), where),
    )


def _metadata(raw: Json, where: str) -> tuple[Mapping[str, Json], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(u, dict) for u in raw):
        raise ProtocolError(f"{where}: 'metadata' must be a list of objects")
    return tuple(raw)


STEP_ERROR_OPS = ("StepError", "StepFailed")
# The option each opcode reads, and the JSON types it may have (None: absent).
_OPT_TYPES: dict[str, dict[str, tuple[type, ...]]] = {
    "Sleep": {"duration": (str,)},
    "WaitForEvent": {"if": (str,), "timeout": (str,), "event": (str,)},
    "InvokeFunction": {"function_id": (str,), "payload": (dict,), "timeout": (str,)},
    "AIGateway": {"url": (str,), "headers": (dict,), "format": (str,), "auth_key": (str,)},
    "Gateway": {"url": (str,), "headers": (dict,), "method": (str,), "body": (str,)},
    "WaitForSignal": {"signal": (str,), "timeout": (str,), "conflict": (str,)},
    "DeferAdd": {"fn_slug": (str,), "meta": (dict,)},
    "DeferAbort": {"target_hashed_id": (str,), "fn_slug": (str,)},
}


def _check_opts(opcode: str, opts: Mapping[str, Json], where: str) -> None:
    for key, types in _OPT_TYPES.get(opcode, {}).items():
        value = opts.get(key)
        if value is not None and not isinstance(value, types):
            expected = " or ".join("an object" if t is dict else "a string" for t in types)
            raise ProtocolError(
                f"{where}: opts.{key} must be {expected}, got {type(value).__name__}"
            )
    if opcode in ("AIGateway", "Gateway"):
        headers = opts.get("headers") or {}
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
            raise ProtocolError(f"{where}: opts.headers must map strings to strings")
    if opcode == "InvokeFunction":
        data = (opts.get("payload") or {}).get("data")
        if data is not None and not isinstance(data, dict):
            raise ProtocolError(f"{where}: opts.payload.data must be an object")


def _check_sleep(name: str | None, opts: Mapping[str, Json], where: str) -> None:
    try:
        parse_sleep_target(name, opts, 0.0)
    except ProtocolError as exc:
        raise ProtocolError(f"{where}: {exc}") from None


def parse_sleep_target(name: str | None, opts: Mapping[str, Json], now: float) -> float:
    """When a ``Sleep`` op ends (POSIX seconds).

    The Python SDK names the end as an ISO time; ``opts.duration`` is a Go-style
    duration; the TypeScript SDK names ``step.sleep``'s duration as ``timeStr`` writes it
    (``"3d"``, ``"1m30s"``, and ``""`` for zero) and ``sleepUntil``'s end as an ISO time.
    """
    if isinstance(name, str) and _ISO.match(name):
        return parse_iso_time(name)
    if opts.get("duration") is not None:
        return now + parse_duration(str(opts["duration"]))
    if name is None:
        raise ProtocolError("a Sleep op needs a name (an ISO time or a duration) or opts.duration")
    return parse_time_or_duration(name, now)


def parse_time_or_duration(text: str, now: float) -> float:
    """An ISO instant, or ``now`` plus a duration (``""`` is zero), as POSIX seconds.

    Sleep names, ``waitForEvent`` and ``invoke`` timeouts come in either form: the
    TypeScript SDK writes a ``Date`` as an ISO instant and a relative time as a duration.
    """
    if _ISO.match(text):
        return parse_iso_time(text)
    if not text.strip():
        return now
    try:
        return now + parse_duration(text)
    except DurationTooLong:
        raise  # a duration, and what is wrong with it is said already
    except ProtocolError:
        raise ProtocolError(
            f"{shown(text)} is neither an ISO-8601 time nor a duration such as '30s' or '1h30m'"
        ) from None


def _text(value: Json) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def normalise_error(raw: Json, fallback: str) -> dict[str, Json]:
    """An SDK error object with a string ``name`` and ``message``, whatever came in.

    The SDK's other keys are kept; a non-object (or an empty body) becomes an ``Error``
    whose message says what was received instead.
    """
    if not isinstance(raw, dict):
        message = fallback if raw in (None, "") else f"{fallback}: {_text(raw)[:300]}"
        return {"name": "Error", "message": message}
    error = dict(raw)
    name = error.get("name")
    error["name"] = name if isinstance(name, str) and name else "Error"
    raw_message = error.get("message")
    error["message"] = fallback if raw_message in (None, "") else _text(raw_message)
    stack = error.get("stack")
    if stack is not None and not isinstance(stack, str):
        error["stack"] = _text(stack)
    return error


def error_memo(error: Mapping[str, Json] | None) -> dict[str, Json]:
    """A step's error as the executor stores it: ``{"error": {name, message[, stack]}}``.

    The stack is left out when there is none: the TypeScript SDK rebuilds a memo whose
    ``"stack"`` is null as ``Error: Unknown error``, losing the name and the message.
    """
    error = error or {}
    stored = {"name": error.get("name") or "Error", "message": error.get("message") or ""}
    if error.get("stack") is not None:
        stored["stack"] = error["stack"]
    return {"error": stored}


def memo_kind(memo: Json) -> str:
    """``data`` or ``error`` for a step's result, ``null`` for a sleep, ``raw`` for an event."""
    if memo is None:
        return "null"
    if isinstance(memo, dict) and len(memo) == 1:
        key = str(next(iter(memo)))
        if key in ("data", "error"):
            return key
    return "raw"


def memo_of(kind: str, value: Json) -> Json:
    """The memo of ``kind`` holding ``value``: what ``memo_kind`` took apart, put back."""
    if kind == "null":
        return None
    return {kind: value} if kind in ("data", "error") else value


def parse_ops(raw: Sequence[object]) -> tuple[Op, ...]:
    """Ops as a 206 body or a checkpoint lists them; ``ProtocolError`` if unreadable."""
    return tuple(_parse_op(item, i) for i, item in enumerate(raw))


def _unwrap_streamed(status: int, body: bytes) -> tuple[int, bytes, dict[str, str]]:
    # Streaming responses (201) carry keep-alive spaces, then the real response.
    envelope = json.loads(body.strip() or b"null")
    if not isinstance(envelope, dict) or "status" not in envelope:
        raise ProtocolError("201 streamed response has no {status, body, headers} envelope")
    inner_status = envelope["status"]
    if isinstance(inner_status, bool) or not isinstance(inner_status, int):
        raise ProtocolError(f"201 streamed response's status {inner_status!r} is not an integer")
    if not 100 <= inner_status <= 599:
        raise ProtocolError(f"201 streamed response's status {inner_status} is not an HTTP status")
    raw_headers = envelope.get("headers") or {}
    if not isinstance(raw_headers, dict):
        raise ProtocolError("201 streamed response's headers are not an object")
    headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}
    inner = envelope.get("body")
    raw = inner.encode("utf-8") if isinstance(inner, str) else json.dumps(inner).encode("utf-8")
    return inner_status, raw, headers


def parse_reply(status: int, headers: Mapping[str, str], body: bytes) -> Reply:
    """Read an SDK response. Raises ``ProtocolError`` for anything unreadable."""
    try:
        return _parse_reply(status, headers, body)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
        # Bytes that are not UTF-8, JSON nested too deep, numbers too large, ...
        raise ProtocolError(
            f"HTTP {status} body cannot be read: {type(exc).__name__}: {str(exc)[:200]}"
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
    version = headers.get("x-inngest-req-version")
    if version is not None and version.strip() not in PROTOCOL_VERSIONS:
        raise ProtocolError(
            f"the SDK answered with request version {version!r}, which inngest-sim does not "
            f"speak (it speaks {' and '.join(sorted(PROTOCOL_VERSIONS))}); use an SDK release "
            "that speaks version 2 (inngest-py 0.5, inngest-js 3 and 4)"
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
        ops = parse_ops(payload)
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
    error = normalise_error(payload, f"the SDK answered {status} without an error body")
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
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    except (ValueError, OverflowError) as exc:
        raise ProtocolError(f"{text!r} is not a valid ISO-8601 time: {exc}") from None


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
        raise ProtocolError(f"{shown(text)} is not a duration such as '30s', '5m' or '1h30m'")
    if not math.isfinite(total):
        raise DurationTooLong(
            f"{shown(text)} is a duration too long for any clock (more than 1.8e308 seconds); "
            "a sleep, wait or timeout may last at most one year"
        )
    return total


class DurationTooLong(ProtocolError):
    """A duration that parses but is longer than a float of seconds can hold."""


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a message; a long one by its ends and its length, not whole
    (an SDK answer can carry a 400-digit duration)."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:24]!r}...{text[-12:]!r} ({len(text):,} characters)"
