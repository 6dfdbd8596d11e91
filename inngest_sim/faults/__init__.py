"""Fault injection: rules that read like respx routes, with typed effects at four layers.

A ``FaultPlan`` holds rules; each is a pattern (function and step id globs, the
attempts it applies to, a predicate, a probability) and an effect:

* **inside a step** (in-process only): ``raises(exc)``, ``transient()``,
  ``non_retriable()`` and ``retry_after(delay)`` replace the body; ``raises_after(exc)``
  lets it run and then loses its result;
* **transport**: ``connect_error()``, ``timeout()`` and ``status(502)`` fail the request
  that runs the step before the SDK sees it; ``lose_response()`` lets the step run and
  drops its answer, so Inngest runs it again (at-least-once delivery);
* **Inngest API**: ``api_error("events" | "publish" | ..., status=503)`` and
  ``api_timeout(...)``: the SDK's call to Inngest fails (its own retry applies);
* **the executor's own calls** (``step.fetch``): ``fetch_error()`` (no answer: the step's
  attempt fails with ``GatewayError``) and ``fetch_status(503)`` (the answer the step gets).

Every application is a ``FaultApplied`` record in the trace; ``rule.calls`` lists them,
and ``plan.assert_all_called()`` fails loudly for a rule that never matched.
``plan.to_code()`` prints the builder calls that rebuild the plan.
"""

from __future__ import annotations

from inngest_sim._errors import UnusedFaultRule
from inngest_sim._public import claim_public_names
from inngest_sim.faults._context import FaultContext, Layer
from inngest_sim.faults._effects import (
    DRAWN_KINDS,
    KINDS,
    ApiError,
    ApiTimeout,
    ConnectError,
    Effect,
    FetchError,
    FetchStatus,
    LoseResponse,
    NonRetriable,
    Raise,
    RaiseAfter,
    RetryAfter,
    Status,
    Timeout,
    Transient,
)
from inngest_sim.faults._plan import FaultPlan, FaultRule
from inngest_sim.faults._text import TEXT_KINDS, parse_fault_rules

__all__ = [
    "DRAWN_KINDS",
    "KINDS",
    "TEXT_KINDS",
    "ApiError",
    "ApiTimeout",
    "ConnectError",
    "Effect",
    "FaultContext",
    "FaultPlan",
    "FaultRule",
    "FetchError",
    "FetchStatus",
    "Layer",
    "LoseResponse",
    "NonRetriable",
    "Raise",
    "RaiseAfter",
    "RetryAfter",
    "Status",
    "Timeout",
    "Transient",
    "UnusedFaultRule",
    "parse_fault_rules",
]

claim_public_names(globals(), __all__, "inngest_sim.faults")
