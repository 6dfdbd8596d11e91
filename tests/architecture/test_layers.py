"""The layout is the architecture: no import cycle, and each room imports only the rooms its
floor allows, all of them below it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, cast

import pytest

from inngest_sim._clock import VirtualClock
from inngest_sim._engine import EngineConfig, Scheduler
from inngest_sim._limits import Limits
from inngest_sim._protocol import KNOWN_OPCODES
from inngest_sim._retry import Backoff
from inngest_sim._runtime.assemble import assemble
from inngest_sim._server.registry import Registry
from inngest_sim.trace import Trace
from inngest_sim.trace._recorder import Recorder

from ._imports import cycles, graph, imports_of, modules

if TYPE_CHECKING:
    from inngest_sim._engine.ports import ServeEndpoint

# Every room and the rooms below it that it may import, floor by floor (a room is a
# top-level module or folder of inngest_sim). It is an allow-list: an import that is
# not named here fails, so an upward arrow, or a new room nobody placed, cannot slip in.
FLOORS: tuple[dict[str, tuple[str, ...]], ...] = (
    # 0: pure helpers with no inngest_sim imports
    {"_errors": (), "_ids": (), "_protocol": (), "_public": (), "_code": (), "_stack_text": ()},
    # 1: checks, limits, backoff, reading an answer within its limit
    {
        "_validation": ("_errors",),
        "_limits": ("_errors",),
        "_retry": ("_errors", "_protocol"),
        "_bounded": ("_protocol",),
    },
    # 2: time
    {"_clock": ("_validation",)},
    # 3: the trace every view reads
    {"trace": ("_clock", "_public")},
    # 4: the SDK adapter (the only room that knows the SDK's internals) and the text timeline
    {"_sdk": ("_bounded", "_clock", "_errors", "_protocol"), "timeline": ("trace",)},
    # 5: the fake Inngest side: API, registry, events, expressions
    {"_server": ("_errors", "_ids", "_limits", "_protocol", "_retry", "trace")},
    # 6: the run loop and its ports
    {
        "_engine": (
            "_clock",
            "_errors",
            "_ids",
            "_limits",
            "_protocol",
            "_retry",
            "_server",
            "trace",
        )
    },
    # 7: faults at their layers (they wrap the engine's endpoint port, nothing else of it)
    {
        "faults": (
            "_code",
            "_engine.ports",
            "_errors",
            "_protocol",
            "_public",
            "_sdk",
            "_server",
            "trace",
        ),
    },
    # 8: flow control
    {"_flow": ("_engine", "_errors", "_protocol", "_server", "trace")},
    # 9: the rooms the loop is composed from, and their one assembly
    {
        "_runtime": (
            "_bounded",
            "_clock",
            "_engine",
            "_errors",
            "_flow",
            "_ids",
            "_limits",
            "_protocol",
            "_retry",
            "_sdk",
            "_server",
            "faults",
            "trace",
        ),
    },
    # 10: run histories: their format, capture, reading and the deploy check's resume
    {"_history": ("_engine.ports", "_errors", "_protocol", "_sdk", "_server", "trace")},
    # 11: views of a trace
    {"_views": ("_errors", "_history", "timeline", "trace")},
    # 12: the report and the assertions
    {
        "report": ("_limits", "_views", "trace"),
        "assertions": ("_errors", "_limits", "_stack_text", "_views", "trace"),
    },
    # 13: the two front doors over the one assembly: the Simulator facade and the dev server
    {
        "_simulator": (
            "_bounded",
            "_clock",
            "_engine",
            "_errors",
            "_history",
            "_ids",
            "_limits",
            "_protocol",
            "_retry",
            "_runtime",
            "_sdk",
            "_server",
            "_validation",
            "_views",
            "faults",
            "trace",
        ),
        "_dev": (
            "_bounded",
            "_clock",
            "_engine",
            "_errors",
            "_flow",
            "_history",
            "_ids",
            "_limits",
            "_protocol",
            "_retry",
            "_runtime",
            "_sdk",
            "_server",
            "_validation",
            "_views",
            "report",
            "trace",
        ),
    },
    # 14: the public package and the tools on it
    {
        "inngest_sim": (
            "_clock",
            "_errors",
            "_limits",
            "_public",
            "_retry",
            "_sdk",
            "_simulator",
            "_views",
            "faults",
            "trace",
        ),
        "dev": ("_dev",),
        "history": ("_history", "_simulator"),
        "coverage": ("_views",),
        "strategies": ("_code", "_errors", "faults"),
        "pytest_plugin": (),
        "_cli_run": ("_errors", "_simulator", "_views", "faults", "report", "timeline", "trace"),
    },
    # 15 to 17: the command line
    {"_cli_deploy": ("_cli_run", "history", "report"), "_cli_pull": ("_errors", "_history")},
    {"cli": ("_cli_deploy", "_cli_pull", "_cli_run", "_dev", "_errors", "inngest_sim", "report")},
    {"__main__": ("cli",)},
)
ALLOWED = {room: allowed for floor in FLOORS for room, allowed in floor.items()}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _allows(room: str, target: str) -> bool:
    rest = target.removeprefix("inngest_sim.")
    return any(rest == a or rest.startswith(a + ".") for a in ALLOWED[room]) or (
        target == "inngest_sim" and "inngest_sim" in ALLOWED[room]
    )


def test_there_is_no_import_cycle_at_module_level() -> None:
    assert cycles(graph()) == []


def test_there_is_no_import_cycle_even_counting_imports_inside_functions() -> None:
    assert cycles(graph(in_functions=True)) == []


def test_every_room_is_placed_on_a_floor() -> None:
    assert {_room(name) for name in modules()} - set(ALLOWED) == set()


def test_the_floors_only_point_down() -> None:
    floor_of = {room: i for i, floor in enumerate(FLOORS) for room in floor}
    upward = [
        f"{room} (floor {floor_of[room]}) may import {allowed} (floor {floor_of[target]})"
        for room, allowed_rooms in ALLOWED.items()
        for allowed in allowed_rooms
        if floor_of[target := allowed.split(".")[0]] >= floor_of[room]
    ]
    assert upward == []


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_each_room_imports_only_what_its_floor_allows(room: str) -> None:
    found = modules()
    known = set(found)
    offending = [
        f"{name} imports {target}"
        for name, path in found.items()
        if _room(name) == room
        for target in sorted(imports_of(path, known, in_functions=True))
        if _room(target) != room and not _allows(room, target)
    ]
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


async def test_the_assembled_loop_has_one_opcode_table_covering_every_opcode_the_sdk_sends() -> (
    None
):
    # The table both front doors run with: the one assemble() builds.
    clock = VirtualClock(0)
    async with contextlib.AsyncExitStack() as exit_stack:
        runtime = assemble(
            exit_stack,
            registry=Registry("app", []),
            endpoint=cast("ServeEndpoint", None),  # never called: no run starts
            scheduler=Scheduler(clock, asyncio.get_running_loop()),
            recorder=Recorder(Trace(), clock),
            config=EngineConfig(limits=Limits(), backoff=Backoff()),
        )
        assert set(runtime.loop.opcodes) == set(KNOWN_OPCODES)
