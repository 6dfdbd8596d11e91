"""Errors raised by inngest_sim itself.

The hierarchy:

```text
SimError                      base of everything the simulator raises
├── InvalidArgument           a value passed to the simulator is wrong (also ValueError)
├── UnknownFunctionError      no served function has that id (also LookupError)
├── EventRejected             the Event API refused an event, as Inngest would
├── SdkBridgeError            the installed SDK does not look like the one we drive
├── NondeterminismError       a replay of a run took another path (also AssertionError)
├── RunNotFinished            a run did not end within the bounds given to ``wait``
├── SimulatorStalled          nothing can make progress, yet the awaited runs have not ended
└── UnusedFaultRule           a fault rule never matched (also AssertionError)
```

Outcomes of *runs* (a step limit, a failed function) are never raised: they are
recorded on the run's result, because a failing run is a normal thing to test.
"""

from __future__ import annotations

__all__ = [
    "EventRejected",
    "InvalidArgument",
    "NondeterminismError",
    "RunNotFinished",
    "SdkBridgeError",
    "SimError",
    "SimulatorStalled",
    "UnknownFunctionError",
    "UnusedFaultRule",
]


class SimError(Exception):
    """Base class of the errors inngest_sim raises."""


class InvalidArgument(SimError, ValueError):
    """A value given to the simulator is not valid; the message says how to fix it."""


class UnknownFunctionError(SimError, LookupError):
    """No function with the requested id is served."""


class EventRejected(SimError):
    """The simulated Event API rejected an event (size, count or shape)."""


class SdkBridgeError(SimError):
    """The installed ``inngest`` SDK differs from the one inngest_sim was built against."""


class NondeterminismError(SimError, AssertionError):
    """Replaying a run from a prefix of its steps reported different steps."""


class RunNotFinished(SimError):
    """A run had not ended when the bound on waiting for it was reached."""


class SimulatorStalled(SimError):
    """No timer, request or event can move the awaited runs forward."""


class UnusedFaultRule(SimError, AssertionError):
    """A fault rule that was expected to match never did."""
