"""The contract every single-asset helper follows.

* success: ``{"ok": True, "asset": <AssetRef>, "meta": {...}}`` (bytes go to the asset store);
* non-retryable failure: ``{"ok": False, "error": {...}}``, recorded as the asset's outcome;
* retryable failure: raised, so Inngest retries the step; a provider's ``Retry-After``
  becomes `inngest.RetryAfterError` (except on the last attempt, see `escalate`);
* unexpected exception: wrapped as ``MediaGenerationError(code="UNKNOWN")`` and raised.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
from typing import TYPE_CHECKING, NoReturn, TypeVar

import inngest

from pipelines.errors import ASSET_STORE, AssetStoreError, ErrorCode, MediaGenerationError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pipelines.assets import AssetStore
    from pipelines.models import AssetFailure, AssetOutcome, AssetRef, GeneratedMedia
    from pipelines.providers import Provider

__all__ = [
    "AssetContext",
    "asset_store_error",
    "classified",
    "escalate",
    "failure",
    "failure_from_exception",
    "failure_from_step_error",
    "produce_asset",
    "unknown_error",
]


@dataclasses.dataclass(frozen=True, slots=True)
class AssetContext:
    """Where an asset belongs and which attempt is generating it.

    Args:
        run_id: The Inngest run id (or any id for callers outside Inngest).
        segment: The segment index (0 for lecture-wide assets such as music).
        index: The asset's index within the segment (image index; 0 otherwise).
        attempt: The 0-based attempt of the current step (``ctx.attempt`` in Inngest).
        max_attempts: The step's attempt budget (function retries + 1), if known.
    """

    run_id: str
    segment: int
    index: int = 0
    attempt: int = 0
    max_attempts: int | None = None

    @property
    def is_last_attempt(self) -> bool:
        """Whether a failure now exhausts the step's retries."""
        return self.max_attempts is not None and self.attempt + 1 >= self.max_attempts

    def meta(self) -> dict[str, object]:
        """The context fields recorded in a success's ``meta``."""
        return {
            "run_id": self.run_id,
            "segment": self.segment,
            "index": self.index,
            "attempt": self.attempt,
        }


def failure(error: MediaGenerationError) -> AssetFailure:
    """Return the ``{"ok": False, "error": ...}`` record for `error`."""
    return {"ok": False, "error": error.to_error()}


def escalate(error: MediaGenerationError, context: AssetContext) -> NoReturn:
    """Raise a retryable `error` the way Inngest should retry it.

    A provider-given delay becomes `inngest.RetryAfterError`. On the last attempt the plain
    error is raised instead: a RetryAfterError is retried at the function level and would
    fail the whole run once attempts run out, whereas a plain error turns into a step
    failure the pipeline records for this one asset.
    """
    if error.retry_after is not None and not context.is_last_attempt:
        delay = datetime.timedelta(seconds=max(1.0, error.retry_after))
        raise inngest.RetryAfterError(str(error), delay) from error
    raise error


def asset_store_error(action: str, exc: BaseException) -> MediaGenerationError:
    """An asset-store failure, classified apart from provider errors (retryable)."""
    return MediaGenerationError(
        ErrorCode.ASSET_STORE_UNAVAILABLE,
        f"could not {action}: {type(exc).__name__}: {exc}",
        provider=ASSET_STORE,
    )


def unknown_error(exc: BaseException, provider: Provider) -> MediaGenerationError:
    """Wrap an unexpected exception, scrubbing the provider's secrets from its text."""
    detail = provider.redact(f"{type(exc).__name__}: {exc}")
    return MediaGenerationError(
        ErrorCode.UNKNOWN, f"unexpected error: {detail}", provider=provider.name
    )


T = TypeVar("T")


async def classified(
    call: Callable[[], Awaitable[T]], *, provider: Provider, context: AssetContext
) -> T | AssetFailure:
    """Run one provider call under the contract above.

    Returns the call's value, or the failure record of a non-retryable error; raises a
    retryable error (see `escalate`) and wraps anything unexpected as ``UNKNOWN``.
    """
    try:
        return await call()
    except MediaGenerationError as err:
        if err.retryable:
            escalate(err, context)
        return failure(err)
    except Exception as exc:
        # from None: the original traceback could carry request details (and keys).
        raise unknown_error(exc, provider) from None


async def produce_asset(
    produce: Callable[[], Awaitable[GeneratedMedia]],
    *,
    provider: Provider,
    assets: AssetStore,
    context: AssetContext,
    meta: Mapping[str, object],
) -> AssetOutcome:
    """Run one generation and store its bytes, applying the contract above."""

    async def generate_and_store() -> tuple[GeneratedMedia, AssetRef]:
        media = await produce()
        try:
            ref = await asyncio.to_thread(assets.put, media.data, media.mime_type)
        except (AssetStoreError, OSError) as exc:
            # The provider delivered: the failure is the store's, and retrying may help.
            raise asset_store_error("store the asset", exc) from None
        return media, ref

    produced = await classified(generate_and_store, provider=provider, context=context)
    if isinstance(produced, dict):
        return produced
    media, ref = produced
    full_meta = {**context.meta(), "provider": provider.name, "model": media.model, **meta}
    return {"ok": True, "asset": ref, "meta": full_meta}


def failure_from_step_error(error: inngest.StepError, provider: str) -> AssetFailure:
    """Turn a step that exhausted its retries into the asset's recorded failure.

    Only the error's name and message survive Inngest's memo; the message of a
    `MediaGenerationError` encodes its code and provider, so they are recovered from it.
    """
    rebuilt = MediaGenerationError.from_message(error.message)
    if rebuilt is None:
        rebuilt = MediaGenerationError(
            ErrorCode.UNKNOWN, f"{error.name}: {error.message}", provider=provider
        )
    return failure(rebuilt)


def failure_from_exception(exc: Exception, provider: str) -> AssetFailure:
    """Record any raised error as a failure (for batch callers that do not retry)."""
    cause = exc.__cause__ if isinstance(exc, inngest.RetryAfterError) else exc
    if isinstance(cause, MediaGenerationError):
        return failure(cause)
    return failure(
        MediaGenerationError(ErrorCode.UNKNOWN, f"{type(exc).__name__}: {exc}", provider=provider)
    )
