"""Step coverage: which steps, retries, failures and waits a test session exercised.

```python
from inngest_sim.coverage import collecting

with collecting() as coverage:
    ...  # every Simulator that closes in here is counted
print(coverage.render())
coverage.write("coverage/steps")  # <function id>.json each
```

The pytest plugin does this for a whole session with ``--inngest-sim-coverage=DIR``.
"""

from __future__ import annotations

from inngest_sim._views.coverage import StepCoverage, collecting

__all__ = ["StepCoverage", "collecting"]
