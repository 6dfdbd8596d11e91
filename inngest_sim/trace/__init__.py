"""The trace: every request, attempt, wait, fault and flow-control decision of a simulation.

``sim.trace`` is a ``Trace`` of frozen records; ``RunResult``, the assertions, the
timeline and the HTML report all read it, and ``Trace.save``/``Trace.load`` round-trip it
through JSON. Filter it with ``trace.of(RecordClass, run_id=...)``:

```python
from inngest_sim.trace import FaultApplied, RetryScheduled

faults = sim.trace.of(FaultApplied)
delays = [r.delay for r in sim.trace.of(RetryScheduled, run.run_id)]
```
"""

from __future__ import annotations

from inngest_sim._public import claim_public_names
from inngest_sim.trace._records import (
    ApiCalled,
    BodyExecuted,
    Checkpointed,
    Deferred,
    EventReceived,
    FaultApplied,
    GenericRecord,
    MetadataAdded,
    Published,
    Record,
    ReplayDiverged,
    RequestHeld,
    RequestSent,
    ResponseHandled,
    RetryScheduled,
    RunBatched,
    RunDelayed,
    RunEnded,
    RunQueued,
    RunSkipped,
    SignalSent,
    StepAttempt,
    StepSaved,
    Waiting,
    record_class,
)
from inngest_sim.trace._trace import Trace

__all__ = [
    "ApiCalled",
    "BodyExecuted",
    "Checkpointed",
    "Deferred",
    "EventReceived",
    "FaultApplied",
    "GenericRecord",
    "MetadataAdded",
    "Published",
    "Record",
    "ReplayDiverged",
    "RequestHeld",
    "RequestSent",
    "ResponseHandled",
    "RetryScheduled",
    "RunBatched",
    "RunDelayed",
    "RunEnded",
    "RunQueued",
    "RunSkipped",
    "SignalSent",
    "StepAttempt",
    "StepSaved",
    "Trace",
    "Waiting",
    "record_class",
]

claim_public_names(globals(), __all__, "inngest_sim.trace")
