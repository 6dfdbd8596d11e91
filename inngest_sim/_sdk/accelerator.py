"""The SDK accelerator: fixes to the inngest SDK's requests, only while a simulator runs.

Every SDK request replays the function from the top, so a run of n steps replays
about n²/2 steps. Two spots in the SDK (0.5.x) make each replayed step dearer than
it needs to be, and one makes each request's memory outlive it; ``accelerated``
fixes the three for as long as it is open:

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

None of them changes what the SDK sends or returns: the equivalence tests in
``tests/perf/`` compare traces, wire bytes and replay checks with and without it.

``gc.freeze()`` (optional, off by default)
    ``accelerated(freeze_gc=True)`` also moves every object alive when the first
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
      Scopes are reference-counted under a lock: the first one opened installs,
      the last one closed restores the original attributes (the very objects taken
      out). Nested and concurrent simulators share one installation; code using
      the SDK outside any simulator, such as a test of
      ``inngest.experimental.mocked``, runs the stock SDK. Code that runs *while*
      a simulator runs (another thread, say) is accelerated too.
    * It installs only on an SDK whose patched code was checked, line for line,
      against this module: the versions in ``ACCEPTED_VERSIONS``, and only if
      each attribute it replaces is still the SDK's own and has the expected shape.
      Otherwise it does nothing; ``accelerator_status`` says why.
    * A restore never clobbers someone else's patch: an attribute that was
      replaced again while the accelerator was installed is left as it is.

Turning it off
    ``INNGEST_SIM_ACCELERATE=0`` (or ``false``, ``no``, ``off``) in the
    environment, or ``accelerated(enabled=False)``. A disabled scope installs
    nothing, but cannot uninstall what another open scope installed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import inspect
import os
import threading
import weakref
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import CodeType

__all__ = [
    "ACCEPTED_VERSIONS",
    "ENV_VAR",
    "AcceleratorStatus",
    "accelerated",
    "accelerator_status",
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
        scopes: how many ``accelerated()`` scopes hold the installation.
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Patch:
    owner: type
    name: str
    original: object  # the raw class-dict entry, put back as it was
    replacement: object


class _OwnedMemos(dict[str, Any]):
    """A ``StepMemos``'s private copy of its memos, made by its first successful pop.

    Its type is the mark that the copy is the accelerator's to mutate.
    """

    __slots__ = ()


class _Released:
    """Stands in for a release future that has fired; ``release`` only asks ``done()``."""

    __slots__ = ()

    def done(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "<released (inngest_sim accelerator)>"


_RELEASED: Final = _Released()


def _make_pop(empty: object) -> Callable[[Any, str], Any]:
    def pop(self: Any, hashed_id: str) -> Any:
        memos = self._memos
        if type(memos) is not _OwnedMemos:
            if hashed_id not in memos:
                return empty
            # Copy once, so the dict this StepMemos was built from stays intact (the
            # SDK's own pop rebinds a new dict instead of mutating it).
            memos = self._memos = _OwnedMemos(memos)
        return memos.pop(hashed_id, empty)

    return pop


async def _release(self: Any) -> None:
    signal = self._release_signal
    if signal.done():
        return
    signal.set_result(self)
    await signal
    # The future holds this step as its result; dropping our reference to it
    # breaks the step <-> future cycle, so both die by reference counting.
    self._release_signal = _RELEASED


def _make_step_init(original: Callable[..., None]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        ai = self.__dict__.get("ai")
        if ai is not None and ai.__dict__.get("_step") is self:
            ai._step = weakref.proxy(self)

    return __init__


# ------------------------------------------------------------------- checks
class _Unsupported(Exception):
    """This SDK is not one the accelerator knows; the message says why."""


def _names(code: CodeType) -> set[str]:
    """Attribute and global names used by ``code`` and the code nested in it."""
    names = set(code.co_names)
    for const in code.co_consts:
        if inspect.iscode(const):
            names |= _names(const)
    return names


def _sdk_own(owner: type, name: str, module: str, needs: set[str]) -> Any:
    """``owner.name`` if it is the SDK's own function and uses every name in ``needs``."""
    found = owner.__dict__.get(name)
    code = getattr(found, "__code__", None)
    if code is None or getattr(found, "__module__", None) != module:
        raise _Unsupported(f"{owner.__name__}.{name} is not the SDK's own function")
    missing = needs - _names(code)
    if missing:
        raise _Unsupported(f"{owner.__name__}.{name} no longer uses {sorted(missing)}")
    return found


def _patches() -> tuple[str, list[_Patch]]:
    """The SDK version and the patches for it; raises ``_Unsupported``."""
    try:
        from inngest._internal import const, types
        from inngest._internal.execution_lib import models
        from inngest._internal.step_lib import base, step_async, step_sync
    except ImportError as exc:
        raise _Unsupported(f"the inngest SDK's internals did not import ({exc})") from exc
    version = str(getattr(const, "VERSION", "unknown"))
    if version not in ACCEPTED_VERSIONS:
        raise _Unsupported(f"inngest {version} is not one of the checked versions")
    memos, step = base.StepMemos, models.ReportedStep
    pop = _sdk_own(memos, "pop", base.__name__, {"_memos", "empty_sentinel"})
    _sdk_own(memos, "__init__", base.__name__, {"_memos"})
    release = _sdk_own(step, "release", models.__name__, {"_release_signal", "done", "set_result"})
    _sdk_own(step, "__init__", models.__name__, {"_release_signal"})
    if not inspect.iscoroutinefunction(release):
        raise _Unsupported("ReportedStep.release is no longer a coroutine function")
    _probe_pop(memos, types.empty_sentinel)
    return version, [
        _Patch(memos, "pop", pop, _make_pop(types.empty_sentinel)),
        _Patch(step, "release", release, _release),
        *_step_ai_patch(step_async, "Step"),
        *_step_ai_patch(step_sync, "StepSync"),
    ]


def _step_ai_patch(module: Any, step_class: str) -> list[_Patch]:
    """The ``Step`` <-> ``AI`` cycle fix for one step module, if its shape is the known one."""
    step, ai = getattr(module, step_class, None), getattr(module, "AI", None)
    if not isinstance(step, type) or not isinstance(ai, type):
        return []
    try:
        init = _sdk_own(step, "__init__", module.__name__, {"ai", "AI"})
        _sdk_own(ai, "__init__", module.__name__, {"_step"})
    except _Unsupported:
        return []
    if "__weakref__" not in dir(step):
        return []
    return [_Patch(step, "__init__", init, _make_step_init(init))]


def _probe_pop(memos: Any, empty: object) -> None:
    """The SDK's pop behaves as the replacement assumes (cheap: three keys)."""
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
        raise _Unsupported("StepMemos.pop does not behave as in inngest 0.5.19")


def _sdk_version() -> str | None:
    try:
        from inngest._internal import const
    except ImportError:
        return None
    return str(getattr(const, "VERSION", "unknown"))


def _switched_off() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() in _OFF_VALUES


# -------------------------------------------------------------------- state
class _State:
    """The one installation in this process, shared by every open scope."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scopes = 0
        self.installed: list[_Patch] = []
        self.freezers = 0  # open scopes that asked for gc.freeze
        self.froze = False
        self.reason = "not installed: no accelerated() scope is open"
        self.note = ""  # what the last restore had to leave in place

    def enter(self, freeze_gc: bool) -> bool:
        """Open a scope; False if nothing was installed (the scope is not counted)."""
        with self.lock:
            if self.scopes == 0:
                try:
                    version, patches = _patches()
                except _Unsupported as exc:
                    self.reason = f"not installed: {exc}"
                    return False
                for patch in patches:
                    setattr(patch.owner, patch.name, patch.replacement)
                self.installed = patches
                self.reason = f"installed on inngest {version}: " + ", ".join(
                    f"{p.owner.__name__}.{p.name}" for p in patches
                )
            self.scopes += 1
            if freeze_gc:
                self._freeze()
            return True

    def exit(self, freeze_gc: bool) -> None:
        with self.lock:
            if freeze_gc:
                self._unfreeze()
            self.scopes -= 1
            if self.scopes:
                return
            kept = []
            for patch in self.installed:
                if patch.owner.__dict__.get(patch.name) is patch.replacement:
                    setattr(patch.owner, patch.name, patch.original)
                else:
                    kept.append(f"{patch.owner.__name__}.{patch.name}")
            self.installed = []
            self.reason = "not installed: no accelerated() scope is open"
            self.note = f" (left {', '.join(kept)}: replaced again while installed)" if kept else ""

    def _freeze(self) -> None:
        self.freezers += 1
        # Someone else's freeze is theirs to undo: only freeze from a thawed state.
        if self.freezers == 1 and gc.get_freeze_count() <= _FROZEN_AT_IMPORT:
            gc.freeze()
            self.froze = True

    def _unfreeze(self) -> None:
        self.freezers -= 1
        if self.freezers == 0 and self.froze:
            gc.unfreeze()
            self.froze = False


_STATE: Final = _State()
# Objects the interpreter had frozen before this module ran (375 on CPython 3.12.1, 0 on
# 3.11 and 3.13): a freeze count above this is someone else's gc.freeze().
_FROZEN_AT_IMPORT: Final = gc.get_freeze_count()


def accelerator_status() -> AcceleratorStatus:
    """What the accelerator would do here and what it does now."""
    with _STATE.lock:
        scopes, froze, reason, note = _STATE.scopes, _STATE.froze, _STATE.reason, _STATE.note
    if scopes:
        supported = True
    elif _switched_off():
        supported, reason = False, f"off: {ENV_VAR}={os.environ[ENV_VAR]!r}"
    else:
        try:
            _patches()
        except _Unsupported as exc:
            supported, reason = False, f"not supported: {exc}"
        else:
            supported = True
    return AcceleratorStatus(
        supported=supported,
        active=scopes > 0,
        scopes=scopes,
        gc_frozen=froze,
        sdk_version=_sdk_version(),
        reason=reason + note,
    )


@contextlib.contextmanager
def accelerated(
    enabled: bool | None = None, *, freeze_gc: bool = False
) -> Iterator[AcceleratorStatus]:
    """Install the accelerator for the duration of the block (reference-counted).

    Args:
        enabled: False installs nothing; None (the default) follows
            ``INNGEST_SIM_ACCELERATE``; True ignores that variable.
        freeze_gc: also ``gc.freeze()`` while the block is open (see the module doc).

    Yields:
        The status once the block is entered (``active`` says whether it took).
    """
    on = (not _switched_off()) if enabled is None else enabled
    entered = on and _STATE.enter(freeze_gc)
    try:
        yield accelerator_status()
    finally:
        if entered:
            _STATE.exit(freeze_gc)
