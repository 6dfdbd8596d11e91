"""What a fault does: one small class per effect, which knows its layer, how to apply
itself and how to print itself as the builder call that makes it.

The class's ``kind`` is the one name of the effect everywhere: the ``FaultPlan``
method, the command line's ``KIND:TARGET:options`` strings and the strategies' kinds.

* **step** effects make the step body raise (``raises``, ``transient``, ``non_retriable``,
  ``retry_after``) or let it run and then raise (``raises_after``);
* **request** effects stand in for the network in front of the serve endpoint:
  ``connect_error`` and ``timeout`` raise the real ``httpx`` exceptions, ``status``
  answers as a proxy would; the **response** effect ``lose_response`` lets the SDK run
  the step and drops its answer;
* **api** effects fail the SDK's call to the Inngest API: ``api_error``, ``api_timeout``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from inngest_sim._code import Code, value_code

if TYPE_CHECKING:
    from inngest_sim.faults._context import FaultContext, Layer

__all__ = [
    "DRAWN_KINDS",
    "KINDS",
    "ApiError",
    "ApiTimeout",
    "ConnectError",
    "Effect",
    "FetchError",
    "FetchStatus",
    "LoseResponse",
    "NonRetriable",
    "Raise",
    "RaiseAfter",
    "RetryAfter",
    "Status",
    "StepEffect",
    "Timeout",
    "Transient",
]


def _is_exception(value: Any) -> bool:
    return isinstance(value, BaseException) or (
        isinstance(value, type) and issubclass(value, BaseException)
    )


class Effect:
    """Base of every effect."""

    kind: ClassVar[str]
    layer: ClassVar[Layer]

    def code_args(self) -> list[Code]:
        """The effect's own arguments, as code, before the rule's pattern."""
        return []

    def describe(self) -> str:
        """The effect as its kind and arguments, e.g. ``status(code=502)``."""
        args = ", ".join(c.text for c in self.code_args())
        return f"{self.kind}({args})" if args else self.kind


def _unless_default(effect: Any, name: str) -> list[Code]:
    """``name=value`` as code, or nothing when the value is the field's default."""
    value = getattr(effect, name)
    default = next(f.default for f in dataclasses.fields(effect) if f.name == name)
    return [] if value == default else [Code(f"{name}={value!r}")]


# ------------------------------------------------------------------ step
class StepEffect(Effect):
    """An effect inside a step body: the exception to raise for one matching call."""

    def exception(self, ctx: FaultContext, queue: list[Any] | None) -> BaseException | None:
        """The exception for this call, or None (a list ran out, a callable declined)."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True, slots=True)
class Raise(StepEffect):
    """The body raises ``side_effect`` instead of running.

    ``side_effect`` is an exception (class or instance), a callable taking the
    ``FaultContext`` and returning one (or None for no fault), or a list of those
    consumed one matching call at a time.
    """

    kind: ClassVar[str] = "raises"
    layer: ClassVar[Layer] = "step"
    side_effect: Any

    def exception(self, ctx: FaultContext, queue: list[Any] | None) -> BaseException | None:
        value = self.side_effect
        if isinstance(value, list):
            if queue is None or not queue:
                return None
            value = queue.pop(0)
        if callable(value) and not _is_exception(value):
            value = value(ctx)
        if value is None:
            return None
        exc: BaseException = value() if isinstance(value, type) else value
        return exc

    def code_args(self) -> list[Code]:
        return [value_code(self.side_effect)]


@dataclasses.dataclass(frozen=True, slots=True)
class RaiseAfter(Raise):
    """The body runs (its side effects happen), then ``side_effect`` is raised."""

    kind: ClassVar[str] = "raises_after"
    layer: ClassVar[Layer] = "step_after"


@dataclasses.dataclass(frozen=True, slots=True)
class Transient(StepEffect):
    """The body raises a fresh ``ConnectionError(message)``: Inngest retries it."""

    kind: ClassVar[str] = "transient"
    layer: ClassVar[Layer] = "step"
    message: str = "provider unavailable (injected)"

    def exception(self, ctx: FaultContext, queue: list[Any] | None) -> BaseException | None:
        return ConnectionError(self.message)

    def code_args(self) -> list[Code]:
        return _unless_default(self, "message")


@dataclasses.dataclass(frozen=True, slots=True)
class NonRetriable(StepEffect):
    """The body raises a fresh ``inngest.NonRetriableError(message)``: the step fails."""

    kind: ClassVar[str] = "non_retriable"
    layer: ClassVar[Layer] = "step"
    message: str = "refused (injected)"

    def exception(self, ctx: FaultContext, queue: list[Any] | None) -> BaseException | None:
        import inngest

        return inngest.NonRetriableError(self.message)

    def code_args(self) -> list[Code]:
        return _unless_default(self, "message")


@dataclasses.dataclass(frozen=True, slots=True)
class RetryAfter(StepEffect):
    """The body raises ``inngest.RetryAfterError(message, seconds)``, built when raised.

    The SDK turns the delay into a deadline when the error is *constructed*, so an
    instance made in advance would be stale by the time it is raised.
    """

    kind: ClassVar[str] = "retry_after"
    layer: ClassVar[Layer] = "step"
    seconds: float
    message: str = "rate limited (injected)"

    def exception(self, ctx: FaultContext, queue: list[Any] | None) -> BaseException | None:
        import inngest

        return inngest.RetryAfterError(self.message, dt.timedelta(seconds=self.seconds))

    def code_args(self) -> list[Code]:
        return [Code(repr(self.seconds)), *_unless_default(self, "message")]


# ------------------------------------------------------------- transport
class TransportEffect(Effect):
    """An effect on the execution request, applied by the fault transport."""

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        """The response a proxy would give instead, or raise the network's exception."""
        raise NotImplementedError


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectError(TransportEffect):
    """The request to the serve endpoint fails to connect; the SDK never sees it."""

    kind: ClassVar[str] = "connect_error"
    layer: ClassVar[Layer] = "request"

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        raise httpx.ConnectError(f"connection refused (injected by {rule})", request=request)


@dataclasses.dataclass(frozen=True, slots=True)
class Timeout(TransportEffect):
    """The request to the serve endpoint times out before the SDK sees it."""

    kind: ClassVar[str] = "timeout"
    layer: ClassVar[Layer] = "request"

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out (injected by {rule})", request=request)


@dataclasses.dataclass(frozen=True, slots=True)
class Status(TransportEffect):
    """A proxy in front of the serve endpoint answers ``code`` instead of the SDK."""

    kind: ClassVar[str] = "status"
    layer: ClassVar[Layer] = "request"
    code: int = 502

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        return httpx.Response(self.code, text=f"injected by {rule}", request=request)

    def code_args(self) -> list[Code]:
        return [Code(str(self.code))]


@dataclasses.dataclass(frozen=True, slots=True)
class LoseResponse(TransportEffect):
    """The step runs in the SDK but its answer is lost: Inngest runs it again."""

    kind: ClassVar[str] = "lose_response"
    layer: ClassVar[Layer] = "response"

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        raise httpx.ReadError(
            f"the connection dropped after the SDK answered (injected by {rule})",
            request=request,
        )


# ------------------------------------------------------------------- api
@dataclasses.dataclass(frozen=True, slots=True)
class ApiError(TransportEffect):
    """The Inngest API answers ``status`` to the SDK's call."""

    kind: ClassVar[str] = "api_error"
    layer: ClassVar[Layer] = "api"
    endpoint: str
    status: int = 503

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        return httpx.Response(self.status, json={"error": f"injected by {rule}"})

    def code_args(self) -> list[Code]:
        return [Code(repr(self.endpoint)), Code(f"status={self.status}")]


@dataclasses.dataclass(frozen=True, slots=True)
class ApiTimeout(TransportEffect):
    """The SDK's call to the Inngest API times out."""

    kind: ClassVar[str] = "api_timeout"
    layer: ClassVar[Layer] = "api"
    endpoint: str

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out (injected by {rule})", request=request)

    def code_args(self) -> list[Code]:
        return [Code(repr(self.endpoint))]


# --------------------------------------------------------------- gateway
@dataclasses.dataclass(frozen=True, slots=True)
class FetchError(TransportEffect):
    """The executor's call for a ``step.fetch`` gets no answer (connection refused)."""

    kind: ClassVar[str] = "fetch_error"
    layer: ClassVar[Layer] = "gateway"

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        raise httpx.ConnectError(f"connection refused (injected by {rule})", request=request)


@dataclasses.dataclass(frozen=True, slots=True)
class FetchStatus(TransportEffect):
    """The remote side of a ``step.fetch`` answers ``code``: the step's result, not a failure."""

    kind: ClassVar[str] = "fetch_status"
    layer: ClassVar[Layer] = "gateway"
    code: int = 503

    def apply(self, request: httpx.Request, rule: str) -> httpx.Response:
        return httpx.Response(self.code, text=f"injected by {rule}", request=request)

    def code_args(self) -> list[Code]:
        return [Code(str(self.code))]


KINDS: dict[str, type[Effect]] = {
    cls.kind: cls
    for cls in (
        Raise,
        RaiseAfter,
        Transient,
        NonRetriable,
        RetryAfter,
        ConnectError,
        Timeout,
        Status,
        LoseResponse,
        ApiError,
        ApiTimeout,
        FetchError,
        FetchStatus,
    )
}
"""Every effect by its kind: the one vocabulary of builder methods, CLI kinds, strategies."""
DRAWN_KINDS = ("transient", "non_retriable", "lose_response", "retry_after")
"""The kinds hypothesis strategies draw from, simplest first."""
