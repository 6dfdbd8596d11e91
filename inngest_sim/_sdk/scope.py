"""One reference-counted scope over everything the simulator patches in the SDK.

Three things replace SDK code while a simulator is open: the step probe (``probe``:
wrappers of ``step.run`` and ``_parse_step_id`` that see every body run), the
accelerator (``accelerator``: cheaper replays) and, on virtual time, the SDK's waits
between its send retries (``waits``). All replace class or module attributes, so all
are process-wide while installed. ``patched_sdk`` installs them the way respx's
``Mocker`` patches httpx: the first scope opened installs, and the last one closed
puts back every attribute it replaced (the very objects that were there), so outside
any simulator the SDK is exactly its stock self. Inside, the accelerator keeps its own
count, because a scope may decline it (``accelerate=False`` or
``INNGEST_SIM_ACCELERATE=0``), and so do ``gc.freeze`` and the waits (only a scope given a
virtual clock takes them).

The probe routes each step to the ``BodyListener`` registered for its run id, through
the scope that registered it (``SdkScope.listen``). Two open simulators with the same
seed and start give their runs the same ids; a run id both have registered is routed
by the client the step belongs to (``probe.Routed``). A scope forgets its own runs when
it closes, and the registry is empty whenever nothing is installed. The probe's
wrappers are made once and put back in by each later installation (unless the SDK's
own functions changed meanwhile), so the accelerator's checks, which read through
them, keep their verdict from one simulator to the next.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from typing import TYPE_CHECKING, Final

from inngest_sim._errors import SdkBridgeError
from inngest_sim._sdk import probe, waits
from inngest_sim._sdk.accelerator import (
    ENV_VAR,
    AcceleratorStatus,
    Unsupported,
    patches,
    sdk_version,
    switched_off,
)
from inngest_sim._sdk.patch import ABSENT, Patch, install, restore
from inngest_sim._sdk.probe import Routed
from inngest_sim._sdk.waits import SdkWaits

if TYPE_CHECKING:
    from collections.abc import Iterator

    from inngest_sim._clock import VirtualClock
    from inngest_sim._sdk.probe import BodyListener

__all__ = ["SdkScope", "accelerator_status", "installed", "patched_sdk"]

_IDLE: Final = "not installed: no accelerated scope is open"


class _State:
    """The one installation in this process, shared by every open scope."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.scopes = 0  # every open scope
        self.listeners: dict[str, BodyListener | Routed] = {}  # read by the probe's wrappers
        self.owners: dict[str, dict[int | None, BodyListener]] = {}  # by run id, then client
        self.probe: list[Patch] = []  # installed now
        self.probe_made: list[Patch] = []  # the wrappers, kept to go back in next time
        self.probe_error: str | None = None
        self.accelerated = 0  # open scopes that took the accelerator
        self.installed: list[Patch] = []
        self.freezers = 0  # accelerated scopes that asked for gc.freeze
        self.waits: list[SdkWaits] = []  # scopes on virtual time, the innermost last
        self.waits_patch: list[Patch] = []  # installed now
        self.waits_base = 0.0  # the SDK's RETRY_BASE_DELAY, read when installed
        self.froze = False
        self.reason = _IDLE
        self.note = ""  # what the last restore had to leave in place

    def open(self, accelerate: bool, freeze_gc: bool) -> bool:
        """Count a scope in; True if it holds the accelerator too."""
        with self.lock:
            first = self.scopes == 0
            if first:
                self._install_probe()
            try:
                accelerated = accelerate and self._accelerate(freeze_gc)
            except BaseException:
                if first:
                    self._restore_probe()
                raise
            self.scopes += 1
            return accelerated

    def close(self, accelerated: bool, freeze_gc: bool) -> None:
        with self.lock:
            kept: list[str] = []
            restored = False
            if accelerated:
                if freeze_gc:
                    self._unfreeze()
                self.accelerated -= 1
                if self.accelerated == 0:
                    kept += restore(self.installed)
                    self.installed, self.reason, restored = [], _IDLE, True
            self.scopes -= 1
            if self.scopes == 0:
                kept += self._restore_probe()
                restored = True
            if restored:
                left = ", ".join(kept)
                self.note = f" (left {left}: replaced again while installed)" if kept else ""

    def open_waits(self, clock: VirtualClock, seed: int) -> SdkWaits | None:
        """The SDK's send-retry waits on ``clock`` for one scope (None: this SDK has none)."""
        with self.lock:
            if not self.waits:
                found = waits.patch(self.waits)
                if found is None:
                    return None
                install([found[0]])
                self.waits_patch, self.waits_base = [found[0]], found[1]
            made = SdkWaits(clock, seed, self.waits_base)
            self.waits.append(made)
            return made

    def close_waits(self, made: SdkWaits) -> None:
        with self.lock:
            self.waits.remove(made)
            if not self.waits:
                kept = restore(self.waits_patch)
                self.waits_patch = []
                if kept:
                    self.note = f" (left {', '.join(kept)}: replaced again while installed)"

    def _install_probe(self) -> None:
        made = self.probe_made
        if not made or any(p.owner.__dict__.get(p.name, ABSENT) is not p.original for p in made):
            try:
                made = probe.patches(self.listeners)
            except SdkBridgeError as exc:
                self.probe_error = str(exc)
                return
            self.probe_made = made
        self.probe_error = None
        install(made)
        self.probe = made

    def _restore_probe(self) -> list[str]:
        kept = restore(self.probe)
        self.probe = []
        self.listeners.clear()
        self.owners.clear()
        return kept

    def route(self, run_id: str, client: int | None, listener: BodyListener | None) -> None:
        """Register (or, with None, take back) ``client``'s listener for ``run_id``."""
        with self.lock:
            owners = self.owners.setdefault(run_id, {})
            if listener is not None:
                owners[client] = listener
            elif client in owners:
                del owners[client]
            if len(owners) > 1:
                self.listeners[run_id] = Routed(owners)
            elif owners:
                (self.listeners[run_id],) = owners.values()
            else:
                del self.owners[run_id]
                self.listeners.pop(run_id, None)

    def _accelerate(self, freeze_gc: bool) -> bool:
        if self.accelerated == 0:
            try:
                version, found = patches()
            except Unsupported as exc:
                self.reason = f"not installed: {exc}"
                return False
            install(found)
            self.installed = found
            self.reason = f"installed on inngest {version}: " + ", ".join(p.label for p in found)
        self.accelerated += 1
        if freeze_gc:
            self._freeze()
        return True

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


class SdkScope:
    """One simulator's hold on the patched SDK, from ``patched_sdk``.

    Attributes:
        accelerator: the accelerator's status when the scope opened.
        waits: the SDK's send-retry waits this scope's clock takes (None: not on a
            virtual clock, or an SDK without them).
    """

    def __init__(
        self, accelerator: AcceleratorStatus, client: object, sdk_waits: SdkWaits | None
    ) -> None:
        self.accelerator = accelerator
        self.waits = sdk_waits
        self._client = None if client is None else id(client)
        self._runs: dict[str, BodyListener] = {}
        self._open = True

    def listen(self, run_id: str, listener: BodyListener) -> None:
        """Route the steps of ``run_id`` to ``listener`` until ``forget`` or the close."""
        if not self._open:
            raise RuntimeError(f"run {run_id}: its simulator's SDK scope is already closed")
        if _STATE.probe_error is not None:
            raise SdkBridgeError(_STATE.probe_error)
        self._runs[run_id] = listener
        _STATE.route(run_id, self._client, listener)

    @contextlib.contextmanager
    def listening(self, run_id: str, listener: BodyListener) -> Iterator[None]:
        """Route ``run_id``'s steps to ``listener`` for the block, then back to whoever
        listened before (the deploy check resumes a history whose run may be live)."""
        previous = self._runs.get(run_id)
        self.listen(run_id, listener)
        try:
            yield
        finally:
            if previous is None:
                self.forget(run_id)
            else:
                self.listen(run_id, previous)

    def forget(self, run_id: str) -> None:
        listener = self._runs.pop(run_id, None)
        # Only what this scope registered: another simulator's run of the same id stays.
        if listener is not None and _STATE.owners.get(run_id, {}).get(self._client) is listener:
            _STATE.route(run_id, self._client, None)

    def _close(self) -> None:
        for run_id in list(self._runs):
            self.forget(run_id)
        self._open = False


@contextlib.contextmanager
def patched_sdk(
    accelerate: bool | None = None,
    *,
    freeze_gc: bool = False,
    client: object = None,
    clock: VirtualClock | None = None,
    seed: int = 0,
) -> Iterator[SdkScope]:
    """Install the step probe and the accelerator for the block (reference-counted).

    Args:
        accelerate: False leaves the accelerator out (the probe goes in all the same);
            None (the default) follows ``INNGEST_SIM_ACCELERATE``; True ignores it.
        freeze_gc: also ``gc.freeze()`` while the block is open (see ``accelerator``).
        client: the ``inngest.Inngest`` client whose functions the simulator runs, if
            it has one: what tells its steps from another simulator's of the same run id.
        clock: a virtual clock: the SDK's waits between its send retries move it
            instead of sleeping, their jitter drawn from ``seed``.

    Yields:
        The scope: ``listen``/``forget`` for the probe, ``accelerator`` for its status.
    """
    on = (not switched_off()) if accelerate is None else accelerate
    accelerated = _STATE.open(on, freeze_gc)
    try:
        sdk_waits = None if clock is None else _STATE.open_waits(clock, seed)
    except BaseException:
        _STATE.close(accelerated, freeze_gc)
        raise
    scope = SdkScope(accelerator_status(), client, sdk_waits)
    try:
        yield scope
    finally:
        scope._close()
        if sdk_waits is not None:
            _STATE.close_waits(sdk_waits)
        _STATE.close(accelerated, freeze_gc)


def installed() -> list[Patch]:
    """Every attribute replaced right now (the probe's, the accelerator's, the waits')."""
    with _STATE.lock:
        return [*_STATE.probe, *_STATE.installed, *_STATE.waits_patch]


def accelerator_status() -> AcceleratorStatus:
    """What the accelerator would do here and what it does now."""
    with _STATE.lock:
        scopes, froze = _STATE.accelerated, _STATE.froze
        reason, note = _STATE.reason, _STATE.note
    if scopes:
        supported = True
    elif switched_off():
        supported, reason = False, f"off: {ENV_VAR}={os.environ[ENV_VAR]!r}"
    else:
        try:
            patches()
        except Unsupported as exc:
            supported, reason = False, f"not supported: {exc}"
        else:
            supported = True
    return AcceleratorStatus(
        supported=supported,
        active=scopes > 0,
        scopes=scopes,
        gc_frozen=froze,
        sdk_version=sdk_version(),
        reason=reason + note,
    )
