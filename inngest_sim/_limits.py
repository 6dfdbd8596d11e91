"""Inngest's platform limits, and the errors it gives when a run crosses one.

Defaults are the server's (executor-semantics.md section 0). Every limit can be
lowered in a test to reach it cheaply, e.g. ``Limits(max_steps=5)``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from inngest_sim._errors import InvalidArgument

__all__ = ["Limits"]

KiB = 1024
MiB = 1024 * KiB


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """Platform limits the simulator enforces, Inngest's values by default."""

    max_steps: int = 1000
    max_ops_per_response: int = 1000
    max_step_output_bytes: int = 4 * MiB
    max_response_bytes: int = 8 * MiB
    max_state_bytes: int = 32 * MiB
    use_api_threshold_bytes: int = 4 * MiB - KiB
    max_sleep_seconds: float = 366 * 86400.0
    max_event_bytes: int = 3 * MiB
    max_events_per_send: int = 5000

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            whole = isinstance(field.default, int)
            kind = "whole number" if whole else "number"
            valid = isinstance(value, int if whole else int | float) and not isinstance(value, bool)
            # `not value > 0` also rejects NaN, which compares false with everything.
            if not valid or not value > 0 or not math.isfinite(value):
                raise InvalidArgument(
                    f"Limits.{field.name}={value!r} must be a positive, finite {kind}; "
                    f"Inngest's default is {field.default!r}"
                )

    def step_limit_error(self) -> dict[str, Any]:
        """The run's error when it passes ``max_steps`` (``InngestErrFunctionOverflowed``)."""
        return {
            "name": "InngestErrFunctionOverflowed",
            "message": f"The function run exceeded the step limit of {self.max_steps} steps.",
            "error": "function has too many steps",
        }

    def ops_limit_error(self, count: int) -> dict[str, Any]:
        """The error for an answer with more ops than one request may report."""
        return {
            "name": "InngestErrFunctionOverflowed",
            "message": (
                f"The function run exceeded the step limit of {self.max_ops_per_response} steps."
            ),
            "error": f"a single response reported {count} steps",
        }

    def state_limit_error(self) -> dict[str, Any]:
        """The run's error when its state passes ``max_state_bytes``."""
        message = f"The function run exceeded the state size limit of {self.max_state_bytes} bytes."
        return {
            "name": "InngestErrStateOverflowed",
            "message": message,
            "error": f"InngestErrStateOverflowed: {message}",
        }

    def step_output_error(self, step: str, step_hash: str, size: int) -> dict[str, Any]:
        """Inngest's message names the hashed op id; the step id users wrote follows it."""
        return {
            "name": "Error",
            "message": (
                f"error validating generator opcode {step_hash}: step output size is greater "
                f"than the limit ({size} > {self.max_step_output_bytes} bytes) "
                f"in step {step!r}"
            ),
        }

    def response_size_error(self, size: int) -> dict[str, Any]:
        """A step's error when its output passes ``max_response_bytes``."""
        return {
            "name": "Error",
            "code": "output_too_large",
            "message": (
                "Your function's response body exceeds the maximum size limit "
                f"({size} > {self.max_response_bytes} bytes)"
            ),
        }

    def sleep_limit_error(self, step: str, target: str) -> dict[str, Any]:
        """The error for a sleep or wait past ``max_sleep`` (``InngestErrTimeoutTooLong``)."""
        return {
            "name": "InngestErrTimeoutTooLong",
            "message": (
                f'The sleep "{step}" ends more than one year in the future ({_short(target)}); '
                "sleeps may last at most one year."
            ),
        }


def _short(text: str, limit: int = 60) -> str:
    # An SDK answer can name a 300-digit duration: show its ends and its length.
    return text if len(text) <= limit else f"{text[:24]}...{text[-12:]}, {len(text):,} characters"
