"""Outside any simulator the SDK is exactly its stock self.

Everything a simulator patches in the SDK (the step probe, the accelerator and the waits
between the SDK's send retries) goes in through one reference-counted scope,
``inngest_sim._sdk.scope.patched_sdk``. These tests take every attribute of every class
and module the scope may touch (the object, its code object and its source) before the
first simulator opens, and compare it after the last one has closed: after one
simulator, nested ones, concurrent ones in one loop and in two threads, with the
accelerator off, and after an exception inside one.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

import inngest
import pytest
from inngest._internal import net
from inngest._internal.client_lib import client as sdk_client
from inngest._internal.execution_lib import models
from inngest._internal.step_lib import base, step_async, step_sync

from inngest_sim import Simulator, SyncSimulator, VirtualClock
from inngest_sim._sdk import probe, scope
from inngest_sim._sdk.accelerator import ENV_VAR

# Every class and module whose attributes the scope replaces. The probe's hooks
# (``Replays``) are inngest-sim's own class, but they are empty in the stock state all
# the same.
OWNERS: tuple[Any, ...] = (
    sdk_client,  # _compute_backoff_delay, the SDK's wait between send retries
    base.StepBase,
    base.StepMemos,
    step_async.Step,
    step_sync.StepSync,
    models.ReportedStep,
    net._AsyncBlockServerTiming,
    probe.Replays,
)

Snapshot = dict[tuple[Any, str], tuple[object, object, str | None]]


def _snapshot() -> Snapshot:
    """Each attribute of each owner: the object, its code object, and its source."""
    taken: Snapshot = {}
    for owner in OWNERS:
        for name, value in vars(owner).items():
            code = getattr(value, "__code__", None)
            source = inspect.getsource(value) if code is not None else None
            taken[owner, name] = (value, code, source)
    return taken


def _differences(before: Snapshot, after: Snapshot) -> list[str]:
    found = [f"{o.__name__}.{n} appeared" for o, n in after.keys() - before.keys()]
    found += [f"{o.__name__}.{n} went missing" for o, n in before.keys() - after.keys()]
    for key in before.keys() & after.keys():
        (was, was_code, was_source), (now, now_code, now_source) = before[key], after[key]
        if now is not was or now_code is not was_code or now_source != was_source:
            found.append(f"{key[0].__name__}.{key[1]} is {now!r}, was {was!r}")
    return sorted(found)


def _is_stock(snapshot: Snapshot) -> list[str]:
    """What in ``snapshot`` is not the SDK's own code, whatever ran before this test."""
    odd = []
    for (owner, name), (value, code, _source) in snapshot.items():
        if owner is probe.Replays:
            if name in ("run_async", "run_sync") and value is not None:
                odd.append(f"Replays.{name} is set")
            continue
        if code is None:
            continue
        module = str(getattr(value, "__module__", ""))
        ours = module.startswith("inngest_sim") or value in probe._WRAPPERS
        if isinstance(owner, type):  # a method: the class's module's own, unwrapped
            ours = ours or module != owner.__module__ or hasattr(value, "__wrapped__")
        if ours:
            odd.append(f"{owner.__name__}.{name} is not the SDK's own ({value!r})")
    return odd


@pytest.fixture(autouse=True)
def stock(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert scope.installed() == []
    before = _snapshot()
    assert _is_stock(before) == []
    yield before
    assert _differences(before, _snapshot()) == []
    assert scope.installed() == []
    assert scope._STATE.listeners == {}
    assert scope._STATE.scopes == 0


def _app(name: str) -> tuple[inngest.Inngest, Any, Any]:
    client = inngest.Inngest(app_id=name, is_production=False)

    @client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event=f"{name}/go"))
    async def steps(ctx: inngest.Context) -> int:
        first = await ctx.step.run("first", lambda: 1)
        pair = await ctx.group.parallel(
            (lambda: ctx.step.run("a", lambda: 2), lambda: ctx.step.run("b", lambda: 3))
        )
        return first + sum(pair)

    @client.create_function(fn_id="sync", trigger=inngest.TriggerEvent(event=f"{name}/sync"))
    def sync_steps(ctx: inngest.ContextSync) -> int:
        return ctx.step.run("one", lambda: 4) + ctx.step.run("two", lambda: 5)

    return client, steps, sync_steps


def _touched_classes_are_covered() -> None:
    """While open, everything the scope replaced is among the owners compared here."""
    replaced = scope.installed()
    assert {p.label for p in replaced} >= {
        "Step.run",
        "StepSync.run",
        "StepBase._parse_step_id",
        "inngest._internal.client_lib.client._compute_backoff_delay",
    }
    for patch in replaced:
        assert patch.owner in OWNERS, patch.label
        assert patch.owner.__dict__[patch.name] is patch.replacement


async def test_one_simulator_leaves_the_sdk_as_it_found_it() -> None:
    client, steps, sync_steps = _app("scope-one")
    async with Simulator(client, [steps, sync_steps]) as sim:
        _touched_classes_are_covered()
        assert (await sim.run(steps)).output == 6
        assert (await sim.run(sync_steps)).output == 9
        assert (await sim.run(steps)).steps["a"].executions == 1  # the probe saw the body


async def test_nested_simulators_restore_only_when_the_outer_one_closes(stock: Snapshot) -> None:
    outer_client, outer_steps, _ = _app("scope-outer")
    inner_client, inner_steps, _ = _app("scope-inner")
    async with Simulator(outer_client, [outer_steps]) as outer:
        replaced = {p.label: p.replacement for p in scope.installed()}
        async with Simulator(inner_client, [inner_steps], accelerate=False) as inner:
            assert (await inner.run(inner_steps)).output == 6
        assert {p.label: p.replacement for p in scope.installed()} == replaced
        assert _differences(stock, _snapshot()) != []
        assert (await outer.run(outer_steps)).output == 6


async def test_concurrent_simulators_in_one_loop_share_one_installation() -> None:
    both_open = asyncio.Barrier(2)
    first_closed = asyncio.Event()

    async def first() -> int | None:
        client, steps, _ = _app("scope-gather-1")
        async with Simulator(client, [steps]) as sim:
            await both_open.wait()
            output = (await sim.run(steps)).output
        first_closed.set()
        return output  # type: ignore[no-any-return]

    async def second() -> int | None:
        client, steps, _ = _app("scope-gather-2")
        async with Simulator(client, [steps], seed=1) as sim:
            await both_open.wait()
            await first_closed.wait()
            _touched_classes_are_covered()  # the other one left; this one still holds it
            return (await sim.run(steps)).output  # type: ignore[no-any-return]

    assert await asyncio.gather(first(), second()) == [6, 6]


def test_simulators_in_two_threads_restore_the_sdk_once_both_are_closed() -> None:
    # Each thread has its own client: a simulator routes its client's HTTP to itself.
    both_open = threading.Barrier(2, timeout=60)
    outputs: list[object] = []
    errors: list[BaseException] = []

    def one(name: str, sync: bool) -> None:
        client, steps, sync_steps = _app(name)
        try:
            with SyncSimulator(client, [steps, sync_steps]) as sim:
                both_open.wait()
                outputs.append(sim.run(sync_steps if sync else steps).output)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=one, args=(f"scope-thread-{sync}", sync)) for sync in (False, True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(outputs) == [6, 9]  # type: ignore[type-var]


def test_concurrent_simulators_with_equal_run_ids_each_count_their_own_bodies() -> None:
    # The same seed and start give both simulators the same run id; the probe tells
    # their steps apart by client (it used to credit one simulator with both's bodies).
    both_open = threading.Barrier(2, timeout=60)
    seen: dict[str, tuple[str, dict[str, int]]] = {}
    errors: list[BaseException] = []

    def one(name: str) -> None:
        client = inngest.Inngest(app_id=name, is_production=False)

        @client.create_function(fn_id="many", trigger=inngest.TriggerEvent(event=f"{name}/go"))
        def many(ctx: inngest.ContextSync) -> int:
            return sum(ctx.step.run(f"s{i}", lambda i=i: i) for i in range(12))

        try:
            with SyncSimulator(client, [many], seed=1, clock=VirtualClock(0)) as sim:
                both_open.wait()
                run = sim.run(many)
                seen[name] = (run.run_id, {k: s.executions for k, s in run.steps.items()})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(name,)) for name in ("equal-a", "equal-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    (id_a, counts_a), (id_b, counts_b) = seen["equal-a"], seen["equal-b"]
    assert id_a == id_b
    assert counts_a == counts_b == {f"s{i}": 1 for i in range(12)}


async def test_an_exception_inside_a_simulator_still_restores_the_sdk() -> None:
    client, steps, _ = _app("scope-raise")

    async def raise_inside() -> None:
        async with Simulator(client, [steps]) as sim:
            await sim.run(steps)
            raise RuntimeError("the test's own")

    async def raise_inside_the_inner_one() -> None:
        other, other_steps, _ = _app("scope-raise-inner")
        async with Simulator(client, [steps]), Simulator(other, [other_steps]) as inner:
            await inner.run(other_steps)
            raise RuntimeError("inner")

    with pytest.raises(RuntimeError, match="the test's own"):
        await raise_inside()
    with pytest.raises(RuntimeError, match="inner"):
        await raise_inside_the_inner_one()


def test_the_scope_without_the_accelerator_installs_only_the_probe() -> None:
    with scope.patched_sdk(accelerate=False) as sdk:
        assert not sdk.accelerator.active
        assert sorted(p.label for p in scope.installed()) == [
            "Step.run",
            "StepBase._parse_step_id",
            "StepSync.run",
        ]
    with scope.patched_sdk() as sdk:
        assert sdk.accelerator.active
        assert len(scope.installed()) > 3


class _Listener:
    def running(self, run_id: str, step: str, attempt: int) -> Any:
        raise AssertionError("not called here")


def test_a_run_id_two_scopes_share_is_routed_by_client_and_each_takes_back_its_own() -> None:
    mine, theirs, client_a, client_b = _Listener(), _Listener(), object(), object()
    with scope.patched_sdk(client=client_a) as outer:
        outer.listen("run-a", theirs)
        assert scope._STATE.listeners == {"run-a": theirs}  # one owner: no routing
        with scope.patched_sdk(client=client_b) as inner:
            inner.listen("run-b", mine)
            inner.listen("run-a", mine)  # the same run id in another simulator
            routed = scope._STATE.listeners["run-a"]
            assert isinstance(routed, probe.Routed)
            assert (routed.of(client_a), routed.of(client_b), routed.of(object())) == (
                theirs,
                mine,
                None,
            )
        assert scope._STATE.listeners == {"run-a": theirs}  # the inner one took back its own
        outer.forget("run-b")  # never its own: nothing changes
        assert scope._STATE.listeners == {"run-a": theirs}


def test_a_scope_without_a_client_gets_the_steps_no_client_claims() -> None:
    mine, theirs, client = _Listener(), _Listener(), object()
    with scope.patched_sdk(client=client) as outer, scope.patched_sdk() as inner:
        outer.listen("run-a", theirs)
        inner.listen("run-a", mine)
        routed = scope._STATE.listeners["run-a"]
        assert isinstance(routed, probe.Routed)
        assert (routed.of(client), routed.of(object())) == (theirs, mine)


def test_a_closed_scope_refuses_new_runs() -> None:
    with scope.patched_sdk() as closed:
        pass
    with pytest.raises(RuntimeError, match="already closed"):
        closed.listen("run-c", _Listener())
