"""The SDK accelerator: fixes to the inngest SDK's requests, only while a simulator runs.

Every SDK request replays the function from the top, so a run of n steps replays
about n²/2 steps. Two spots in the SDK (0.5.x) make each replayed step dearer than
it needs to be, and one makes each request's memory outlive it. This module
decides whether and with what the SDK's code may be replaced (versions, shape
checks, the list of patches); ``replacements`` holds the code put in its place,
and ``inngest_sim._sdk.scope`` installs it, with the step probe, for as long as a
simulator is open:

``StepMemos.pop`` in constant time
    The SDK removes each memo it replays by rebuilding the whole memo dict, which
    makes a run O(n³). The replacement copies the dict once per request, on the
    first memo it takes, and from then on pops from its own copy. It returns the
    same memo objects, leaves the remaining keys in the same order and never
    mutates the dict the ``StepMemos`` was built with, as the SDK's own code does.

No reference cycle per replayed step
    ``ReportedStep.release`` resolves its release future with the step itself, so
    step and future point at each other and every replayed step leaves a cycle
    for the garbage collector (about 16 objects). The replacement does the same
    and then points the step at one shared "already released" marker. The SDK
    reads that attribute only in ``release``, and only to ask ``done()``.

No reference cycle per request
    Each request's ``Step`` (``StepSync`` for sync functions), the ``ctx.step`` a
    function gets, makes an ``AI`` (``ctx.step.ai``) that points back at it, and
    through the step that cycle holds the request's execution, parsed memos and
    middleware until the collector runs: with parallel steps several requests are
    in flight, and that garbage was most of a run's peak memory. The replacement
    ``__init__`` runs the SDK's own and then gives the ``AI`` a weak proxy of its
    step: the same attributes while the step lives, which is as long as the
    function's ``ctx`` does. It is skipped, alone, on an SDK whose classes look
    otherwise.

A memoized ``step.run`` replayed in a few lines
    Most steps a request meets are replays. For each, the SDK builds two pydantic
    models (``StepInfo`` and its ``StepUserlandInfo``), two futures and a
    ``ReportedStep``, and enters and leaves that step as a context manager, all to
    hand back the memo. While installed, the step probe (``probe.Replays``) does
    the same work directly when the step's memo is there: it counts the step id
    and pops the memo through the SDK's own ``StepIDCounter.increment`` and
    ``StepMemos.pop``, runs ``before_execution`` when that was the last memo,
    refuses a step nested in another one, and then raises the memo's
    ``StepError`` or returns its deserialized output, in the SDK's order. Any other
    case (no memo, a memo with neither data nor error, a step id that is not a
    ``str``, an unknown keyword, another execution class) is left, untouched, to
    the SDK. It is skipped, alone, if any SDK function it stands in for is not the
    SDK's own or does not use the names it is read to use.

The event loop's blocked time without a task per request
    To report in its ``Server-Timing`` header how long the event loop was blocked,
    the SDK starts a task per request that notes the clock, yields once and then
    wakes every 0.1 s to add up how late it woke. The replacement
    ``_AsyncBlockServerTiming.__enter__`` does the same steps with loop callbacks
    (``call_soon``, then ``call_later``), which cost a fraction of a task; the
    header reads the same. Skipped, alone, where the SDK's timing looks otherwise.

None of them changes what the SDK sends or returns: the equivalence tests in
``tests/perf/`` compare traces, wire bytes and replay checks with and without it.

``gc.freeze()`` (optional, off by default)
    ``patched_sdk(freeze_gc=True)`` also moves every object alive when the first
    scope opens to the permanent generation, so full collections during the run
    skip the imported modules; the last scope to close unfreezes them. It does
    nothing if something else had already frozen objects (more than were frozen
    when this module was imported: CPython 3.12 starts with a few hundred objects
    frozen, and those are not someone's freeze to respect). Off by default because
    it did not pay its way: with the accelerator and the direct endpoint, the
    benchmark measured 1.19x at 999 sequential steps but 0.92x at 999 steps in
    chunks of 5 and noise below that, and while it is on the cycle collector
    cannot free anything that existed before the simulator started, which a test
    calling ``gc.collect()`` can see.

Scope and safety
    * The patches are class attributes, so they are process-wide while installed.
      They are installed by one reference-counted scope, ``scope.patched_sdk``,
      after respx's ``Mocker``: the first accelerated scope opened installs, the
      last one closed restores the original attributes (the very objects taken
      out), and the step probe is installed and restored by the same scope, so
      the SDK is its stock self whenever no simulator is open
      (``tests/perf/test_sdk_scope.py`` compares it object for object). Nested and
      concurrent simulators share one installation; code using the SDK outside
      any simulator, such as a test of ``inngest.experimental.mocked``, runs the
      stock SDK. Code that runs *while* a simulator runs (another thread, say) is
      accelerated too.
    * It installs only on an SDK whose patched code was checked, line for line,
      against this module: the versions in ``ACCEPTED_VERSIONS``, and only if
      each attribute it replaces is still the SDK's own and has the expected shape.
      Otherwise it does nothing; ``accelerator_status`` says why.
    * A restore never clobbers someone else's patch: an attribute that was
      replaced again while the accelerator was installed is left as it is.

Turning it off
    ``INNGEST_SIM_ACCELERATE=0`` (or ``false``, ``no``, ``off``) in the
    environment, or ``Simulator(accelerate=False)`` (``patched_sdk(accelerate=
    False)``). Such a scope installs only the probe, and cannot uninstall what
    another open scope installed.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import threading
from typing import TYPE_CHECKING, Any, Final

from inngest_sim._sdk import replacements
from inngest_sim._sdk.patch import Patch
from inngest_sim._sdk.probe import Replays, beneath

if TYPE_CHECKING:
    from types import CodeType

__all__ = [
    "ACCEPTED_VERSIONS",
    "ENV_VAR",
    "AcceleratorStatus",
    "Unsupported",
    "patches",
    "sdk_version",
    "switched_off",
]

#: SDK versions whose ``StepMemos`` and ``ReportedStep`` (and every reader of the
#: attributes patched here) match inngest 0.5.19, checked against the SDK's tagged
#: sources; only 0.5.19 is exercised by the tests. 0.5.0-0.5.9 differ in annotations
#: only, but inngest-sim needs 0.5.19 for other reasons. The ``Step``/``AI`` fix was
#: read against 0.5.19 and is checked by shape on each version (and at run time: it
#: swaps only an ``AI`` whose step is the one just built).
ACCEPTED_VERSIONS: Final = frozenset(f"0.5.{minor}" for minor in range(10, 20))

ENV_VAR: Final = "INNGEST_SIM_ACCELERATE"
_OFF_VALUES: Final = frozenset({"0", "false", "no", "off"})


@dataclasses.dataclass(frozen=True, slots=True)
class AcceleratorStatus:
    """Whether the accelerator can run here, and whether it runs now.

    Attributes:
        supported: this SDK passes the version and shape checks.
        active: the patches are installed right now.
        scopes: how many open scopes hold the accelerator (``scope.patched_sdk``).
        gc_frozen: the accelerator froze the garbage collector and holds it so.
        sdk_version: the inngest version found, or None if the SDK did not import.
        reason: one line: what is installed, or why nothing is.
    """

    supported: bool
    active: bool
    scopes: int
    gc_frozen: bool
    sdk_version: str | None
    reason: str


# ------------------------------------------------------------------- checks
class Unsupported(Exception):
    """This SDK is not one the accelerator knows; the message says why."""


def _names(code: CodeType) -> set[str]:
    """Attribute and global names used by ``code`` and the code nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


class _Reads:
    """Every attribute the checks read, with what each read found.

    While every one of them still holds the very object it held, the checks would
    reach the same verdict, so a simulator opened after the first one reuses it (a few
    microseconds instead of re-reading the SDK's code objects).
    """

    def __init__(self) -> None:
        self.seen: list[tuple[Any, str, object]] = []

    def get(self, owner: Any, name: str) -> Any:
        """``owner.name`` from its own ``__dict__`` (a class's or a module's), noted."""
        found = owner.__dict__.get(name)
        self.seen.append((owner, name, found))
        return found

    def still_hold(self) -> bool:
        return all(owner.__dict__.get(name) is found for owner, name, found in self.seen)


def _sdk_own(reads: _Reads, owner: type, name: str, module: str, needs: set[str]) -> Any:
    """``owner.name`` if it is the SDK's own function and uses every name in ``needs``.

    The step probe's wrappers (always there while a simulator runs) are looked through.
    """
    if not isinstance(owner, type):
        raise Unsupported(f"the class that should hold {name} is not in the SDK")
    reads.get(owner, name)
    found = beneath(owner, name)
    code = getattr(found, "__code__", None)
    if code is None or getattr(found, "__module__", None) != module:
        raise Unsupported(f"{owner.__name__}.{name} is not the SDK's own function")
    missing = needs - _names(code)
    if missing:
        raise Unsupported(f"{owner.__name__}.{name} no longer uses {sorted(missing)}")
    return found


_VERDICT_LOCK: Final = threading.Lock()
# The last verdict and the reads it rests on: (reads, (version, patches) or why not).
_verdict: tuple[_Reads, tuple[str, list[Patch]] | str] | None = None


def patches() -> tuple[str, list[Patch]]:
    """The SDK version and the patches for it; raises ``Unsupported``.

    The checks run again only when an attribute they read has changed since.
    """
    global _verdict
    with _VERDICT_LOCK:
        if _verdict is None or not _verdict[0].still_hold():
            reads = _Reads()
            try:
                result: tuple[str, list[Patch]] | str = _check(reads)
            except Unsupported as exc:
                result = str(exc)
            _verdict = (reads, result)
        result = _verdict[1]
    if isinstance(result, str):
        raise Unsupported(result)
    return result


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _check(reads: _Reads) -> tuple[str, list[Patch]]:
    try:
        from inngest._internal import const, types
        from inngest._internal.execution_lib import models
        from inngest._internal.step_lib import base, step_async, step_sync
    except ImportError as exc:
        raise Unsupported(f"the inngest SDK's internals did not import ({exc})") from exc
    version = str(reads.get(const, "VERSION") or "unknown")
    if version not in ACCEPTED_VERSIONS:
        raise Unsupported(
            f"inngest {version} is not one of the versions it was checked against "
            f"({min(ACCEPTED_VERSIONS, key=_key)} to {max(ACCEPTED_VERSIONS, key=_key)}); "
            "the simulator runs without it, as faithfully and more slowly"
        )
    memos, step = reads.get(base, "StepMemos"), reads.get(models, "ReportedStep")
    empty = reads.get(types, "empty_sentinel")
    pop = _sdk_own(reads, memos, "pop", base.__name__, {"_memos", "empty_sentinel"})
    _sdk_own(reads, memos, "__init__", base.__name__, {"_memos"})
    release = _sdk_own(
        reads, step, "release", models.__name__, {"_release_signal", "done", "set_result"}
    )
    _sdk_own(reads, step, "__init__", models.__name__, {"_release_signal"})
    if not inspect.iscoroutinefunction(release):
        raise Unsupported("ReportedStep.release is no longer a coroutine function")
    _probe_pop(reads, memos, empty)
    return version, [
        Patch(memos, "pop", pop, replacements.make_pop(empty)),
        Patch(step, "release", release, replacements.release),
        *_step_ai_patch(reads, step_async, "Step"),
        *_step_ai_patch(reads, step_sync, "StepSync"),
        *_replay_patches(reads),
        *_block_timing_patch(reads),
    ]


def _block_timing_patch(reads: _Reads) -> list[Patch]:
    """The event-loop-block timing without a task, if the SDK's is the one read; else none."""
    try:
        from inngest._internal import net
    except ImportError:
        return []
    timing = reads.get(net, "_AsyncBlockServerTiming")
    try:
        enter = _sdk_own(
            reads,
            timing,
            "__enter__",
            net.__name__,
            {"_start_counter", "_tracker_task", "_tracker"},
        )
        tracker = _sdk_own(reads, timing, "_tracker", net.__name__, {"_block_dur", "sleep"})
        _sdk_own(reads, timing, "__exit__", net.__name__, {"_tracker_task", "cancel"})
        _sdk_own(reads, timing, "to_header", net.__name__, {"_tracker_task", "_block_dur"})
        _sdk_own(reads, timing, "__init__", net.__name__, {"_block_dur", "_tracker_task"})
    except Unsupported:
        return []
    # The tick and the clock it reads, as the tracker has them.
    intervals = [c for c in tracker.__code__.co_consts if type(c) is float]
    clock = reads.get(net, "time")
    if intervals != [0.1] or getattr(clock, "perf_counter", None) is None:
        return []
    sdk = replacements.BlockTimingSdk(perf_counter=clock.perf_counter, interval=intervals[0])
    return [Patch(timing, "__enter__", enter, replacements.make_block_timing(sdk))]


def _replay_patches(reads: _Reads) -> list[Patch]:
    """The fast replay, if every piece of the SDK it stands in for is as read; else none."""
    try:
        run_async, run_sync = replacements.make_replays(_replay_sdk(reads))
    except (ImportError, Unsupported):
        return []
    return [
        Patch(Replays, "run_async", None, run_async),
        Patch(Replays, "run_sync", None, run_sync),
    ]


def _replay_sdk(reads: _Reads) -> replacements.ReplaySdk:
    """What the fast replay needs, once each piece it copies is checked to be as read."""
    from inngest._internal import errors, transforms, types
    from inngest._internal.execution_lib import models, v0
    from inngest._internal.step_lib import base, step_async, step_sync

    execution_async, execution_sync = reads.get(v0, "ExecutionV0"), reads.get(v0, "ExecutionV0Sync")
    step_base, counter = reads.get(base, "StepBase"), reads.get(base, "StepIDCounter")
    needs = {"_parse_step_id", "report_step", "skip", "error", "output", "_deserialize"}
    _sdk_own(reads, reads.get(step_async, "Step"), "run", step_async.__name__, needs)
    _sdk_own(reads, reads.get(step_sync, "StepSync"), "run", step_sync.__name__, needs)
    for execution, hook in (
        (execution_async, "before_execution"),
        (execution_sync, "before_execution_sync"),
    ):
        needs = {"pop", "size", hook, "StepError", "stack"}
        _sdk_own(reads, execution, "report_step", v0.__name__, needs)
        _sdk_own(reads, execution, "__init__", v0.__name__, {"_memos", "_middleware"})
    _sdk_own(reads, step_base, "__init__", base.__name__, {"_step_id_counter", "_client"})
    for step_class, enter in (
        (reads.get(models, "ReportedStep"), "__aenter__"),
        (reads.get(models, "ReportedStepSync"), "__enter__"),
    ):
        _sdk_own(reads, step_class, enter, models.__name__, {"_in_step", "NestedStepInterrupt"})
    _probe_counter(reads, counter)
    _sdk_own(reads, step_base, "_parse_step_id", base.__name__, {"increment", "hash_step_id"})
    return replacements.ReplaySdk(
        empty=reads.get(types, "empty_sentinel"),
        default_type=reads.get(types, "EmptySentinel"),
        hash_step_id=reads.get(transforms, "hash_step_id"),
        in_step=reads.get(models, "_in_step"),
        nested=reads.get(base, "NestedStepInterrupt"),
        step_error=reads.get(errors, "StepError"),
        execution_async=execution_async,
        execution_sync=execution_sync,
    )


def _probe_counter(reads: _Reads, counter_type: Any) -> None:
    """``StepIDCounter`` keeps its counts in ``_counts``, keyed by the step id as given."""
    reads.get(counter_type, "__init__")
    reads.get(counter_type, "increment")
    counter = counter_type()
    ok = counter.increment("a") == 1 and counter.increment("a") == 2 and counter._counts == {"a": 2}
    if not ok:
        raise Unsupported("StepIDCounter does not count as in inngest 0.5.19")


def _step_ai_patch(reads: _Reads, module: Any, step_class: str) -> list[Patch]:
    """The ``Step`` <-> ``AI`` cycle fix for one step module, if its shape is the known one."""
    step, ai = reads.get(module, step_class), reads.get(module, "AI")
    if not isinstance(step, type) or not isinstance(ai, type):
        return []
    try:
        init = _sdk_own(reads, step, "__init__", module.__name__, {"ai", "AI"})
        _sdk_own(reads, ai, "__init__", module.__name__, {"_step"})
    except Unsupported:
        return []
    if "__weakref__" not in dir(step):
        return []
    return [Patch(step, "__init__", init, replacements.make_step_init(init))]


def _probe_pop(reads: _Reads, memos: Any, empty: object) -> None:
    """The SDK's pop behaves as the replacement assumes (cheap: three keys)."""
    reads.get(memos, "size")
    one, two = object(), object()
    source = {"a": one, "b": two}
    probe = memos(source)
    ok = (
        probe.pop("a") is one
        and probe.pop("x") is empty
        and list(probe._memos) == ["b"]
        and probe.size == 1
        and source == {"a": one, "b": two}
    )
    if not ok:
        raise Unsupported("StepMemos.pop does not behave as in inngest 0.5.19")


def sdk_version() -> str | None:
    """The inngest version found, or None if the SDK did not import."""
    try:
        from inngest._internal import const
    except ImportError:
        return None
    return str(getattr(const, "VERSION", "unknown"))


def switched_off() -> bool:
    """``INNGEST_SIM_ACCELERATE`` says off."""
    return os.environ.get(ENV_VAR, "").strip().lower() in _OFF_VALUES
