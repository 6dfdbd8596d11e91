"""Run ``inngest-sim dev`` from Python tests: a context manager and a client.

```python
from inngest_sim.dev import dev_server

with dev_server(args=["--no-auto-run"]) as dev:   # INNGEST_BASE_URL points at it
    ...  # start your app, PUT its serve URL to sync it, send events
    runs = dev.drain()
    assert runs[0]["status"] == "COMPLETED"
```

See ``docs/dev-server.md``.
"""

from __future__ import annotations

from inngest_sim._dev.client import DevServerClient, DevServerPortWarning, dev_server
from inngest_sim._dev.options import DevOptions

__all__ = ["DevOptions", "DevServerClient", "DevServerPortWarning", "dev_server"]
