"""Flow control: whether, when and with which events a function's run starts, and which of its
requests may go now (``control.FlowControl`` with its ``gate.FlowGate``)."""

from __future__ import annotations

from inngest_sim._flow.control import FlowControl

__all__ = ["FlowControl"]
