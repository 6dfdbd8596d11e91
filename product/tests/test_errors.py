from __future__ import annotations

import pytest

from pipelines.errors import ErrorCode, MediaGenerationError, is_retryable

RETRYABLE = {
    ErrorCode.RATE_LIMITED,
    ErrorCode.PROVIDER_UNAVAILABLE,
    ErrorCode.TIMEOUT,
    # infrastructure: the asset store or the database, not the provider
    ErrorCode.ASSET_STORE_UNAVAILABLE,
    ErrorCode.DATABASE_UNAVAILABLE,
}
NEEDS_USER = {
    ErrorCode.SENSITIVE_CONTENT,
    ErrorCode.INVALID_INPUT,
    ErrorCode.AUTH_FAILED,
    ErrorCode.QUOTA_EXCEEDED,
}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_defaults_per_code(code: ErrorCode) -> None:
    err = MediaGenerationError(code, "boom", provider="openai")
    assert err.retryable is (code in RETRYABLE or code is ErrorCode.UNKNOWN)
    assert err.user_action_required is (code in NEEDS_USER)
    assert str(err) == f"{code.value} from openai: boom"
    assert is_retryable(code) is err.retryable


def test_overrides_and_retry_after() -> None:
    err = MediaGenerationError(
        "UNKNOWN", "x", retryable=False, user_action_required=True, retry_after=-3
    )
    assert (err.retryable, err.user_action_required, err.retry_after) == (False, True, 0.0)


def test_to_error_shape() -> None:
    err = MediaGenerationError(ErrorCode.SENSITIVE_CONTENT, "refused", provider="local")
    assert err.to_error() == {
        "code": "SENSITIVE_CONTENT",
        "message": "refused",
        "user_action_required": True,
        "provider": "local",
    }


def test_round_trips_through_its_message() -> None:
    err = MediaGenerationError(
        ErrorCode.RATE_LIMITED, "slow down: 3 calls\nper minute", provider="x.y"
    )
    rebuilt = MediaGenerationError.from_message(str(err))
    assert rebuilt is not None
    assert (rebuilt.code, rebuilt.message, rebuilt.provider) == (
        ErrorCode.RATE_LIMITED,
        "slow down: 3 calls\nper minute",
        "x.y",
    )


@pytest.mark.parametrize("text", ["plain failure", "NOPE from x: y", ""])
def test_from_message_rejects_other_text(text: str) -> None:
    assert MediaGenerationError.from_message(text) is None


def test_unknown_code_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown error code 'SLOW'.*RATE_LIMITED"):
        MediaGenerationError("SLOW", "x")
