"""Access to the throwaway servers of ``product/ci/services.sh`` (PostgreSQL, S3).

A test that needs a server asks for its URL here. Without the variable it is skipped with
the reason and the command that starts the servers, except under ``INNGEST_SIM_CI=1``
(CI), where a missing server is a test error: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_URL_VAR = "LECTURE_MEDIA_TEST_POSTGRES_URL"
S3_URL_VAR = "LECTURE_MEDIA_TEST_S3_URL"


def service_url(variable: str, what: str) -> str:
    """Return the URL in `variable`, or skip (fail under CI) naming how to get one."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value
    reason = (
        f"{what} tests need {variable}: start the servers with "
        '`eval "$(bash product/ci/services.sh)"`'
    )
    if os.environ.get("INNGEST_SIM_CI") == "1":
        pytest.fail(f"{reason} (INNGEST_SIM_CI=1: a missing server is an error)", pytrace=False)
    pytest.skip(reason)


def unique_name(prefix: str) -> str:
    """A fresh name for one test's schema or object prefix (no test sees another's data)."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"
