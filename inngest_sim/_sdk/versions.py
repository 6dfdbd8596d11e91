"""The inngest SDK versions inngest-sim drives: one statement, for messages and the tests.

CI runs the suite's core on the oldest and on the newest SDK of the range (``.ci/sdk-range``)
and tries the newest pre-release. 0.5.8 and older lack what the suite drives
(``inngest.experimental.realtime`` arrived in 0.5.9) or keep their HTTP clients elsewhere
(0.5.7 and older), which ``route_client`` refuses with ``SdkBridgeError``.
"""

from __future__ import annotations

from typing import Final

__all__ = ["OLDEST", "SUPPORTED"]

#: The oldest SDK release the suite's core passes on.
OLDEST: Final = "0.5.9"
#: The requirement pyproject.toml states, and what messages tell a user to pin.
SUPPORTED: Final = f"inngest>={OLDEST},<0.6"
