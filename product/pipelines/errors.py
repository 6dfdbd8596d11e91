"""Errors raised by the lecture-media pipelines.

Hierarchy::

    PipelineError                    base class of everything raised on purpose
    ├── MediaGenerationError         a provider could not produce one asset (carries an ErrorCode)
    ├── InvalidRequestError          an event or call argument is malformed (never retried)
    ├── LectureNotFoundError         the lecture id is unknown to the store
    ├── ConfigurationError           a setting (environment variable, Services field) is invalid
    │   └── StoreConfigurationError  open_store() was given a URL it cannot serve
    └── AssetStoreError              an asset URI is unknown or points outside the store

Where each one ends up:

* `MediaGenerationError` is raised out of a per-asset step when retrying can help (Inngest
  retries the step) and returned as the asset's recorded failure when it cannot.
* `InvalidRequestError` and an unknown lecture in the ``validate`` step become
  `inngest.NonRetriableError` there, before any provider call.
* `LectureNotFoundError` in a ``persist-*`` step (the lecture was deleted mid-run) becomes
  `inngest.NonRetriableError` too; nothing else in persist is converted, so a database
  outage is retried like any step error.
* `ConfigurationError` is not converted: a bad setting fails at start-up (the asset store
  is checked there too, as the lecture store is).
* `AssetStoreError` inside a per-asset step becomes ``ASSET_STORE_UNAVAILABLE`` (provider
  ``asset-store``), and a database error in a ``persist-*`` step ``DATABASE_UNAVAILABLE``
  (provider ``lecture-store``): infrastructure failures are never blamed on the media
  provider, and both are retried, then followed up (see `pipelines.kit`).
"""

from __future__ import annotations

import enum
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.models import AssetError

__all__ = [
    "ASSET_STORE",
    "LECTURE_STORE",
    "AssetStoreError",
    "ConfigurationError",
    "ErrorCode",
    "InvalidRequestError",
    "LectureNotFoundError",
    "MediaGenerationError",
    "PipelineError",
    "StoreConfigurationError",
    "is_retryable",
]


class ErrorCode(enum.StrEnum):
    """Why a provider did not produce an asset.

    The code decides what happens next: retryable codes are raised so Inngest retries the
    step; the others are recorded as the asset's failure straight away.
    """

    RATE_LIMITED = "RATE_LIMITED"
    PROVIDER_UNAVAILABLE = "PROVIDER_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    SENSITIVE_CONTENT = "SENSITIVE_CONTENT"
    INVALID_INPUT = "INVALID_INPUT"
    AUTH_FAILED = "AUTH_FAILED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    UNKNOWN = "UNKNOWN"
    # Infrastructure, not the provider: the bytes or the row could not be stored.
    ASSET_STORE_UNAVAILABLE = "ASSET_STORE_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


# (retryable, user_action_required) per code. UNKNOWN retries because an unexplained
# failure is more often a glitch than a permanent refusal, and the retry budget bounds it.
_DEFAULTS: dict[ErrorCode, tuple[bool, bool]] = {
    ErrorCode.RATE_LIMITED: (True, False),
    ErrorCode.PROVIDER_UNAVAILABLE: (True, False),
    ErrorCode.TIMEOUT: (True, False),
    ErrorCode.SENSITIVE_CONTENT: (False, True),
    ErrorCode.INVALID_INPUT: (False, True),
    ErrorCode.AUTH_FAILED: (False, True),
    ErrorCode.QUOTA_EXCEEDED: (False, True),
    ErrorCode.UNKNOWN: (True, False),
    ErrorCode.ASSET_STORE_UNAVAILABLE: (True, False),
    ErrorCode.DATABASE_UNAVAILABLE: (True, False),
}

# The `provider` of an infrastructure failure's record: who failed, when it was not a provider.
ASSET_STORE = "asset-store"
LECTURE_STORE = "lecture-store"


def is_retryable(code: ErrorCode | str) -> bool:
    """Whether a failure with `code` may succeed later (what a follow-up round retries)."""
    return _DEFAULTS[_coerce_code(code)][0]


# str(MediaGenerationError) is parsed back from inngest.StepError.message, which is all that
# survives a step's exhausted retries: keep the two in sync.
_MESSAGE_RE = re.compile(r"^(?P<code>[A-Z_]+) from (?P<provider>[\w.-]+): (?P<message>.*)$", re.S)


class PipelineError(Exception):
    """Base class for every error the pipelines raise on purpose."""


class MediaGenerationError(PipelineError):
    """A provider failed to generate one asset.

    Args:
        code: What went wrong, as an `ErrorCode` (or its string value).
        message: A human-readable explanation. Never include API keys.
        provider: Short provider name, e.g. ``"openai"``, ``"replicate"``, ``"local"``.
        retryable: Override the code's default retry behaviour.
        user_action_required: Override whether a person must act (edit content, fix keys).
        retry_after: Seconds the provider asked us to wait before retrying, if it said so.
    """

    def __init__(
        self,
        code: ErrorCode | str,
        message: str,
        *,
        provider: str = "unknown",
        retryable: bool | None = None,
        user_action_required: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.code = _coerce_code(code)
        default_retryable, default_action = _DEFAULTS[self.code]
        self.message = message
        self.provider = provider
        self.retryable = default_retryable if retryable is None else retryable
        self.user_action_required = (
            default_action if user_action_required is None else user_action_required
        )
        self.retry_after = None if retry_after is None else max(0.0, float(retry_after))
        super().__init__(f"{self.code.value} from {provider}: {message}")

    def to_error(self) -> AssetError:
        """Return the JSON failure record stored for the asset."""
        return {
            "code": self.code.value,
            "message": self.message,
            "user_action_required": self.user_action_required,
            "provider": self.provider,
        }

    @classmethod
    def from_message(cls, text: str) -> MediaGenerationError | None:
        """Rebuild an error from its ``str()``, or return None when the text is not one."""
        match = _MESSAGE_RE.match(text)
        if match is None or match["code"] not in ErrorCode.__members__:
            return None
        return cls(match["code"], match["message"], provider=match["provider"])


class InvalidRequestError(PipelineError, ValueError):
    """An event payload or argument is malformed; retrying cannot help."""


class LectureNotFoundError(PipelineError, LookupError):
    """The lecture id does not exist in the lecture store."""


class ConfigurationError(PipelineError, ValueError):
    """A setting (environment variable or `Services` field) has an unusable value."""


class StoreConfigurationError(ConfigurationError):
    """`open_store` received a URL it cannot serve."""


class AssetStoreError(PipelineError, ValueError):
    """An asset URI is unknown, corrupted, or points outside the asset store."""


def _coerce_code(code: ErrorCode | str) -> ErrorCode:
    try:
        return ErrorCode(code)
    except ValueError:
        allowed = ", ".join(c.value for c in ErrorCode)
        raise ValueError(f"unknown error code {code!r}: use one of {allowed}") from None
