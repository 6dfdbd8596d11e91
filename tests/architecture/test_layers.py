"""The layout is the architecture: no import cycle, and each room imports only what is below it."""

from __future__ import annotations

import pytest

from inngest_sim._ai import AiGateway
from inngest_sim._engine import OPCODES
from inngest_sim._fetch import FetchGateway
from inngest_sim._pauses import Pauses
from inngest_sim._protocol import KNOWN_OPCODES
from inngest_sim._server.registry import Registry
from inngest_sim._signals import Signals

from ._imports import cycles, graph, imports_of, modules

# Rooms, and the rooms each one must never import (directly).
FORBIDDEN = {
    "inngest_sim.trace": ("inngest_sim._engine", "inngest_sim.faults", "inngest_sim._simulator"),
    "inngest_sim._engine": (
        "inngest_sim._flow",
        "inngest_sim._pauses",
        "inngest_sim._ai",
        "inngest_sim._fetch",
        "inngest_sim._signals",
        "inngest_sim.faults",
        "inngest_sim._simulator",
        "inngest_sim._results",
        "inngest_sim.assertions",
        "inngest_sim.report",
        "inngest_sim.timeline",
        "inngest_sim._dev",
    ),
    "inngest_sim._server": (
        "inngest_sim._engine.loop",
        "inngest_sim._flow",
        "inngest_sim._simulator",
        "inngest_sim._dev",
    ),
    # The dev server composes the rooms as the simulator does; it does not use the facade.
    "inngest_sim._dev": (
        "inngest_sim._simulator",
        "inngest_sim._backends",
        "inngest_sim._sdk.probe",
    ),
    "inngest_sim.faults": ("inngest_sim._engine", "inngest_sim._simulator", "inngest_sim._flow"),
    "inngest_sim._flow": (
        "inngest_sim._simulator",
        "inngest_sim._engine.loop",
        "inngest_sim.faults",
        "inngest_sim._dev",
    ),
    # Views read results and traces only.
    "inngest_sim._results": ("inngest_sim._engine", "inngest_sim._simulator"),
    "inngest_sim.assertions": ("inngest_sim._engine", "inngest_sim._simulator"),
    "inngest_sim.timeline": ("inngest_sim._engine", "inngest_sim._simulator"),
    "inngest_sim.report": ("inngest_sim._engine", "inngest_sim._simulator"),
}


def test_there_is_no_import_cycle_at_module_level() -> None:
    assert cycles(graph()) == []


def test_there_is_no_import_cycle_even_counting_imports_inside_functions() -> None:
    assert cycles(graph(in_functions=True)) == []


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_each_room_imports_only_what_is_below_it(room: str) -> None:
    found = modules()
    known = set(found)
    offending = []
    for name, path in found.items():
        if name != room and not name.startswith(room + "."):
            continue
        for target in imports_of(path, known, in_functions=True):
            if any(target == f or target.startswith(f + ".") for f in FORBIDDEN[room]):
                offending.append(f"{name} imports {target}")
    assert offending == []


def test_only_the_sdk_room_knows_the_sdks_internals() -> None:
    outside = []
    for name, path in modules().items():
        if name.startswith("inngest_sim._sdk"):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("inngest._internal", "_http_client", "step_lib", "comm_lib"):
            if needle in text:
                outside.append(f"{name}: {needle}")
    assert outside == []


def test_one_opcode_table_covers_every_opcode_the_sdk_can_send() -> None:
    registry = Registry("app", [])
    table = {
        **OPCODES,
        **Pauses(registry).opcodes,
        **AiGateway(None, timeout=1).opcodes,
        **FetchGateway(None, timeout=1).opcodes,
        **Signals().opcodes,
    }
    assert set(table) == set(KNOWN_OPCODES)
