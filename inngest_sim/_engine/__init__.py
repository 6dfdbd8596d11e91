"""The engine: the run loop, its opcode table, run state, timers, and the port the rooms use.

``RunLoop`` sends one SDK request per work item and handles each answer as the Go
executor does. Everything around it (flow control, pauses, AI calls, lifecycle events)
talks to it through ``inngest_sim._engine.ports.RunOps`` and gives it handlers,
a gate and listeners when it is built.
"""

from __future__ import annotations

from inngest_sim._engine.checkpoint import CheckpointAnswer, apply_checkpoint, checkpoint_ids
from inngest_sim._engine.loop import RunLoop
from inngest_sim._engine.metadata import apply_api_metadata
from inngest_sim._engine.opcodes import OPCODES, STEP_OUTPUT_OPS
from inngest_sim._engine.ports import (
    Admission,
    Answer,
    EngineConfig,
    Gate,
    OpenGate,
    OpHandler,
    OpTable,
    RunListener,
    RunOps,
    describe_request,
)
from inngest_sim._engine.run import RUNNING, RunState, RunStatus, WorkItem
from inngest_sim._engine.scheduler import Scheduler, Timer

__all__ = [
    "OPCODES",
    "RUNNING",
    "STEP_OUTPUT_OPS",
    "Admission",
    "Answer",
    "CheckpointAnswer",
    "EngineConfig",
    "Gate",
    "OpHandler",
    "OpTable",
    "OpenGate",
    "RunListener",
    "RunLoop",
    "RunOps",
    "RunState",
    "RunStatus",
    "Scheduler",
    "Timer",
    "WorkItem",
    "apply_api_metadata",
    "apply_checkpoint",
    "checkpoint_ids",
    "describe_request",
]
