"""What the installed inngest SDK can express, for tests of features only some 0.5.x have.

The simulator runs what the SDK registers, as Inngest does: an option the SDK drops or
rounds is dropped or rounded on the server too. Tests of such options run only on the
SDKs that send them (CI runs the suite's core on the oldest and the newest SDK of the range).
"""

from __future__ import annotations

import datetime as dt

import inngest
import pytest
from inngest._internal import transforms

#: ``Debounce(timeout=...)`` is registered (inngest 0.5.14 and later).
DEBOUNCE_TIMEOUT = "timeout" in inngest.Debounce.model_fields
#: ``TriggerCron(jitter=...)`` is registered (inngest 0.5.19 and later).
CRON_JITTER = "jitter" in inngest.TriggerCron.model_fields
#: Durations are registered exactly: before 0.5.18 the SDK wrote 8 days as "1w".
EXACT_DURATIONS = transforms.to_duration_str(dt.timedelta(days=8)) == "8d"

needs_debounce_timeout = pytest.mark.skipif(
    not DEBOUNCE_TIMEOUT, reason="this inngest SDK does not register Debounce(timeout=)"
)
needs_exact_durations = pytest.mark.skipif(
    not EXACT_DURATIONS, reason="this inngest SDK rounds durations down to whole weeks"
)
needs_cron_jitter = pytest.mark.skipif(
    not CRON_JITTER, reason="this inngest SDK does not register TriggerCron(jitter=)"
)
