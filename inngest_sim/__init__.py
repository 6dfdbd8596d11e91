"""inngest_sim: a faithful fake Inngest executor for testing durable functions.

It drives the real ``inngest`` SDK through its serve endpoint, replays memoized
steps as the Inngest server does, runs planned parallel steps concurrently,
retries each step on its own budget on a virtual clock, enforces the platform
limits and records a trace that tests can assert on.
"""

from __future__ import annotations

from inngest_sim._clock import Clock, RealClock, VirtualClock
from inngest_sim._errors import (
    EventRejected,
    InvalidArgument,
    NondeterminismError,
    RunNotFinished,
    SdkBridgeError,
    SimError,
    SimulatorStalled,
    UnknownFunctionError,
    UnusedFaultRule,
)
from inngest_sim._limits import Limits
from inngest_sim._public import claim_public_names
from inngest_sim._retry import Backoff
from inngest_sim._sdk.accelerator import AcceleratorStatus
from inngest_sim._sdk.scope import accelerator_status
from inngest_sim._simulator.backends import AppBackend, Backend, HttpBackend, InProcessBackend
from inngest_sim._simulator.replay import ReplayReport
from inngest_sim._simulator.simulator import Simulator
from inngest_sim._simulator.sync import SyncSimulator
from inngest_sim._views.results import Attempt, RequestRecord, RunResult, StepResult
from inngest_sim.faults import FaultContext, FaultPlan, FaultRule, parse_fault_rules
from inngest_sim.trace import Trace

__all__ = [
    "AcceleratorStatus",
    "AppBackend",
    "Attempt",
    "Backend",
    "Backoff",
    "Clock",
    "EventRejected",
    "FaultContext",
    "FaultPlan",
    "FaultRule",
    "HttpBackend",
    "InProcessBackend",
    "InvalidArgument",
    "Limits",
    "NondeterminismError",
    "RealClock",
    "ReplayReport",
    "RequestRecord",
    "RunNotFinished",
    "RunResult",
    "SdkBridgeError",
    "SimError",
    "Simulator",
    "SimulatorStalled",
    "StepResult",
    "SyncSimulator",
    "Trace",
    "UnknownFunctionError",
    "UnusedFaultRule",
    "VirtualClock",
    "accelerator_status",
    "parse_fault_rules",
]

__version__ = "0.1.0"

claim_public_names(globals(), __all__, "inngest_sim")
