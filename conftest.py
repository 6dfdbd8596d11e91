"""Top-level pytest configuration shared by every test directory."""

from __future__ import annotations

import os

# The plugin's own tests run inner pytest sessions; pytest accepts this only here.
pytest_plugins = ["pytester"]

# The SDK picks dev mode from the environment when a client does not say; tests
# must never talk to a real Inngest server, so make dev mode the default.
os.environ.setdefault("INNGEST_DEV", "1")
