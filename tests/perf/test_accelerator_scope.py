"""The accelerator is installed only inside its scopes, and restores the SDK exactly."""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import weakref
from typing import Any

import inngest
import pytest
from inngest._internal import const, server_lib, types
from inngest._internal.execution_lib import models, v0
from inngest._internal.step_lib import base, step_async, step_sync
from inngest.experimental import mocked

from inngest_sim import Simulator
from inngest_sim._sdk.accelerator import ENV_VAR
from inngest_sim._sdk.probe import Replays
from inngest_sim._sdk.scope import _FROZEN_AT_IMPORT, accelerator_status, patched_sdk

POP = base.StepMemos.__dict__["pop"]
RELEASE = models.ReportedStep.__dict__["release"]
# Every attribute the accelerator replaces, with the SDK's own value.
STOCK = {
    (base.StepMemos, "pop"): POP,
    (models.ReportedStep, "release"): RELEASE,
    (step_async.Step, "__init__"): step_async.Step.__dict__["__init__"],
    (step_sync.StepSync, "__init__"): step_sync.StepSync.__dict__["__init__"],
    (Replays, "run_async"): None,  # the probe's hooks for the fast replay: empty when stock
    (Replays, "run_sync"): None,
}


def _sdk_is_stock() -> bool:
    return all(owner.__dict__[name] is value for (owner, name), value in STOCK.items())


@pytest.fixture(autouse=True)
def _stock_around_each_test(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert _sdk_is_stock()
    yield
    assert _sdk_is_stock()
    assert accelerator_status().scopes == 0


def test_it_is_installed_inside_its_scope_only_and_restores_the_very_originals() -> None:
    assert accelerator_status().active is False
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active
        assert status.scopes == 1
        assert status.sdk_version == "0.5.19"
        for owner, name in STOCK:
            assert owner.__dict__[name] is not STOCK[owner, name], (owner, name)
        patched_names = ("StepMemos.pop", "ReportedStep.release", "Step.__init__", "StepSync.")
        for patched in (*patched_names, "Replays.run_async", "Replays.run_sync"):
            assert patched in status.reason
    assert _sdk_is_stock()


def test_nested_scopes_share_one_installation_until_the_outer_one_closes() -> None:
    with patched_sdk():
        replaced = base.StepMemos.__dict__["pop"]
        with patched_sdk() as sdk:
            inner = sdk.accelerator
            assert inner.scopes == 2
            assert base.StepMemos.__dict__["pop"] is replaced
        assert accelerator_status().scopes == 1
        assert base.StepMemos.__dict__["pop"] is replaced
    assert _sdk_is_stock()


def test_scopes_in_two_threads_are_counted_together() -> None:
    entered, release_first, first_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with patched_sdk():
            entered.set()
            release_first.wait()
        first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    entered.wait()
    with patched_sdk() as sdk:
        mine = sdk.accelerator
        assert mine.scopes == 2
        release_first.set()
        first_done.wait()
        seen.append(not _sdk_is_stock())  # the other thread left; this scope still holds it
    thread.join()
    assert seen == [True]


def test_mocked_trigger_outside_any_scope_runs_the_stock_sdk() -> None:
    client = mocked.Inngest(app_id="perf-mocked", is_production=False)
    pops: list[object] = []

    @client.create_function(fn_id="f", trigger=inngest.TriggerEvent(event="p/m"))
    def f(ctx: inngest.ContextSync) -> int:
        pops.append(base.StepMemos.__dict__["pop"])
        return ctx.step.run("a", lambda: 1) + ctx.step.run("b", lambda: 2)

    with patched_sdk():
        pass
    result = mocked.trigger(f, inngest.Event(name="p/m"), client)

    assert result.status is mocked.Status.COMPLETED
    assert result.output == 3
    assert pops
    assert all(p is POP for p in pops)


@pytest.mark.parametrize("value", ["0", "false", "OFF", "no"])
def test_the_environment_variable_turns_it_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert not status.active
        assert _sdk_is_stock()
    assert "off" in accelerator_status().reason
    with patched_sdk(accelerate=True) as sdk:  # the parameter wins over the env
        assert sdk.accelerator.active


def test_the_parameter_turns_it_off() -> None:
    with patched_sdk(accelerate=False) as sdk:
        status = sdk.accelerator
        assert not status.active
        assert _sdk_is_stock()


def test_another_sdk_version_is_left_alone_and_the_status_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(const, "VERSION", "0.6.0")
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert not status.active
        assert _sdk_is_stock()
    status = accelerator_status()
    assert not status.supported
    assert status.reason == (
        "not supported: inngest 0.6.0 is not one of the versions it was checked against "
        "(0.5.10 to 0.5.19); the simulator runs without it, as faithfully and more slowly"
    )


@pytest.mark.parametrize("version", ["0.5.9", "0.5.20a0"])
def test_the_oldest_sdk_and_a_pre_release_run_without_the_accelerator_and_say_why(
    monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    # The range's oldest SDK (0.5.9) and pre-releases were not checked against its patches.
    monkeypatch.setattr(const, "VERSION", version)
    status = accelerator_status()
    assert not status.supported
    assert f"inngest {version} is not one of the versions it was checked against" in status.reason


def test_a_method_of_another_shape_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def pop(self: Any, hashed_id: str) -> Any:  # someone else's patch
        return POP(self, hashed_id)

    monkeypatch.setattr(base.StepMemos, "pop", pop)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert not status.active
        assert base.StepMemos.__dict__["pop"] is pop
        assert models.ReportedStep.__dict__["release"] is RELEASE
    assert "StepMemos.pop is not the SDK's own function" in accelerator_status().reason
    monkeypatch.undo()


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (v0.ExecutionV0, "report_step"),
        (v0.ExecutionV0Sync, "report_step"),
        (models.ReportedStep, "__aenter__"),
        (step_async.Step, "run"),
    ],
)
def test_the_fast_replay_is_skipped_alone_where_the_sdk_looks_otherwise(
    monkeypatch: pytest.MonkeyPatch, owner: type, name: str
) -> None:
    original = owner.__dict__[name]

    def theirs(self: Any, *args: Any) -> Any:  # someone else's wrapper
        return original(self, *args)

    monkeypatch.setattr(owner, name, theirs)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active
        assert (Replays.run_async, Replays.run_sync) == (None, None)
        assert "StepMemos.pop" in status.reason
        assert "Replays" not in status.reason
    monkeypatch.undo()


def test_the_fast_replay_is_skipped_where_step_ids_are_counted_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counts: dict[str, int] = {}

    def elsewhere(self: Any, step_id: str) -> int:  # a counter that keeps its own tally
        counts[step_id] = counts.get(step_id, 0) + 1
        return counts[step_id]

    monkeypatch.setattr(base.StepIDCounter, "increment", elsewhere)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active
        assert (Replays.run_async, Replays.run_sync) == (None, None)
    monkeypatch.undo()


def test_a_verdict_is_reached_again_whenever_what_it_read_has_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active  # a verdict on the stock SDK, kept for the next scope

    def theirs(self: Any, hashed_id: str) -> Any:
        return POP(self, hashed_id)

    monkeypatch.setattr(base.StepMemos, "pop", theirs)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert not status.active
    monkeypatch.setattr(base.StepMemos, "pop", POP)
    monkeypatch.setattr(v0.ExecutionV0, "report_step", theirs)
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active
        assert Replays.run_async is None
    monkeypatch.undo()
    with patched_sdk() as sdk:
        status = sdk.accelerator
        assert status.active
        assert Replays.run_async is not None


def test_a_patch_made_while_installed_is_not_clobbered_on_exit() -> None:
    def theirs(self: Any, hashed_id: str) -> Any:
        return POP(self, hashed_id)

    with patched_sdk():
        base.StepMemos.pop = theirs  # type: ignore[method-assign]
    try:
        assert base.StepMemos.__dict__["pop"] is theirs
        assert models.ReportedStep.__dict__["release"] is RELEASE
        assert "replaced again while installed" in accelerator_status().reason
    finally:
        base.StepMemos.pop = POP  # type: ignore[method-assign]


# ----------------------------------------------------------------- semantics
def test_the_fast_pop_answers_every_sequence_of_pops_as_the_sdks_does() -> None:
    rng = random.Random(11)
    with patched_sdk():
        fast = base.StepMemos.__dict__["pop"]
    for _ in range(200):
        keys = [f"k{i}" for i in range(rng.randint(0, 12))]
        source = {k: object() for k in keys}
        pops = [rng.choice([*keys, "missing"]) for _ in range(rng.randint(0, 15))]
        stock, accelerated_memos = base.StepMemos(source), base.StepMemos(source)
        for key in pops:
            assert fast(accelerated_memos, key) is POP(stock, key)
            assert list(accelerated_memos._memos.items()) == list(stock._memos.items())
            assert accelerated_memos.size == stock.size
        assert list(source) == keys  # the dict it was built from is never mutated
    assert fast(base.StepMemos({}), "x") is types.empty_sentinel


def test_a_released_step_is_freed_without_the_cycle_collector() -> None:
    async def released_step_survives() -> bool:
        info = base.StepInfo(display_name="a", id="h", op=server_lib.Opcode.STEP_RUN)
        step = models.ReportedStep(asyncio.Future(), info)
        await step.release()
        await step.release()  # a second release is a no-op, as in the SDK
        assert step._release_signal.done()
        alive = weakref.ref(step)
        del step
        return alive() is not None

    gc.disable()
    try:
        stock = asyncio.run(released_step_survives())
        with patched_sdk():
            fast = asyncio.run(released_step_survives())
    finally:
        gc.enable()
    assert (stock, fast) == (True, False)  # the SDK's own release leaves a cycle


def test_a_request_is_freed_without_the_cycle_collector() -> None:
    """The SDK's per-request objects die with the request (its Step <-> AI cycle is
    broken), so parallel requests in flight do not pile up garbage."""
    client = inngest.Inngest(app_id="acc-cycles", is_production=False)
    seen: list[weakref.ref[Any]] = []

    class Watch(inngest.Middleware):  # one per request, held by the request's objects
        def __init__(self, client: inngest.Inngest, raw_request: object) -> None:
            super().__init__(client, raw_request)
            seen.append(weakref.ref(self))

    client.middleware = [Watch]  # type: ignore[attr-defined]

    @client.create_function(fn_id="fan", trigger=inngest.TriggerEvent(event="acc/fan"))
    async def fan(ctx: inngest.Context) -> int:
        a = await ctx.step.run("a", lambda: 1)
        both = await ctx.group.parallel(
            (lambda: ctx.step.run("b", lambda: 2), lambda: ctx.step.run("c", lambda: 3))
        )
        return a + sum(both)

    async def alive_after_a_run(accelerate: bool) -> tuple[int, int]:
        seen.clear()
        async with Simulator(client, [fan], accelerate=accelerate) as sim:
            run = await sim.run(fan)
            assert run.output == 6
            return sum(ref() is not None for ref in seen), len(seen)

    gc.disable()
    try:
        stock = asyncio.run(alive_after_a_run(False))
        fast = asyncio.run(alive_after_a_run(True))
    finally:
        gc.enable()
    assert stock[0] == stock[1] > 3  # every request's objects wait for the collector
    assert fast == (0, stock[1])


def test_gc_freeze_is_scoped_and_leaves_someone_elses_freeze_alone() -> None:
    # CPython 3.12 starts with some objects frozen; that is nobody's freeze to respect.
    assert gc.get_freeze_count() <= _FROZEN_AT_IMPORT
    with patched_sdk(freeze_gc=True) as sdk:
        status = sdk.accelerator
        assert status.gc_frozen
        assert gc.get_freeze_count() > _FROZEN_AT_IMPORT
        with patched_sdk(freeze_gc=True):
            pass
        assert gc.get_freeze_count() > _FROZEN_AT_IMPORT  # the inner scope does not thaw
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with patched_sdk(freeze_gc=True) as sdk:
            status = sdk.accelerator
            assert not status.gc_frozen
        assert gc.get_freeze_count() > frozen // 2  # still frozen (a few may have been freed)
    finally:
        gc.unfreeze()
