"""Markers that make the local provider simulate provider behaviour deterministically.

They live outside the provider so sample data (the store) can use them without importing
provider code.
"""

from __future__ import annotations

__all__ = ["RATE_LIMITED_MARKER", "SENSITIVE_MARKER", "SLOW_RENDER_MARKER", "UNAVAILABLE_MARKER"]

SENSITIVE_MARKER = "[sensitive]"
UNAVAILABLE_MARKER = "[unavailable]"
RATE_LIMITED_MARKER = "[rate-limited]"
SLOW_RENDER_MARKER = "[slow-render]"
