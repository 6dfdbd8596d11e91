"""A probe inside the SDK: sees every step body start and end (in-process only).

The executor only sees what the SDK reports. A body can also run without being
reported: ``asyncio.gather`` over ``step.run`` runs every body but reports one,
and a lost response hides a body that did run. Wrapping the handler that
``step.run`` receives tells the simulator about each real execution, and gives
fault injection a place to act *inside* a step.

This module only says what the probe replaces (``patches``); the one scope in
``inngest_sim._sdk.scope`` installs it with the accelerator while a simulator is
open and restores the SDK's own functions when the last one closes. Each call is
routed to the listener registered for its run id, so other code using the SDK
while a simulator is open runs its steps as before.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import weakref
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from inngest_sim._errors import SdkBridgeError
from inngest_sim._sdk.patch import Patch
from inngest_sim._sdk.versions import SUPPORTED

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping
    from contextlib import AbstractContextManager

__all__ = ["MISS", "BodyListener", "Replays", "Routed", "beneath", "patches"]

# The step id the SDK parsed last in this context, as it parsed it: the key a body
# reports under is worked out only if the body runs (most parsed steps are replays).
_current_step: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "inngest_sim_current_step", default=None
)


def _step_key(step_id: str) -> str:
    """The key of the step whose body is about to run: ``id`` or ``id:index``."""
    parsed = _current_step.get()
    if parsed is None:
        return step_id
    index = getattr(parsed, "index", None)
    key = parsed.user_facing if not index else f"{parsed.user_facing}:{index}"
    return key or step_id


class _Miss:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no memo to replay>"


#: What a replay hook answers for a step it leaves to the SDK.
MISS: Any = _Miss()


class Replays:
    """Hooks that replay a memoized ``step.run`` without the SDK's bookkeeping.

    Empty unless the accelerator fills them (while a simulator runs). Each takes the
    SDK's step object, the step id and ``step.run``'s keyword arguments, and either
    replays the memo (returns the output, raises the step's error) or answers ``MISS``
    having changed nothing, and the SDK's own ``run`` goes on as usual.
    """

    run_async: ClassVar[Callable[[Any, Any, dict[str, Any]], Awaitable[Any]] | None] = None
    run_sync: ClassVar[Callable[[Any, Any, dict[str, Any]], Any] | None] = None


class BodyListener(Protocol):
    def running(self, run_id: str, step: str, attempt: int) -> AbstractContextManager[None]:
        """Wraps one execution of a step body.

        Raising on entry replaces the body (fault injection); raising on a clean exit
        loses the body's result. The body runs inside the block, in its own context.
        """
        ...


class Routed(dict[int | None, BodyListener]):
    """The listeners of one run id in several open simulators, by ``id()`` of the client
    each serves (None: a simulator that was given no client).

    Simulators with the same seed and start give their runs the same ids; the step's
    client tells whose step it is.
    """

    __slots__ = ()

    def of(self, client: object) -> BodyListener | None:
        found = self.get(id(client))
        return self.get(None) if found is None else found


def patches(listeners: Mapping[str, BodyListener | Routed]) -> list[Patch]:
    """The probe's wrappers of ``step.run`` (async and sync) and ``_parse_step_id``.

    Each wrapper reads ``listeners`` (by run id) on every call: the scope keeps one
    mapping for as long as the wrappers live. Raises ``SdkBridgeError`` on an SDK
    whose step classes are not where 0.5.x keeps them.
    """
    try:
        from inngest._internal.step_lib import base, step_async, step_sync

        return [
            _parse_patch(base.StepBase),
            _run_patch(step_async.Step, listeners, is_async=True),
            _run_patch(step_sync.StepSync, listeners, is_async=False),
        ]
    except (ImportError, AttributeError, KeyError) as exc:
        raise SdkBridgeError(
            f"cannot install the step probe in this inngest SDK ({exc!r}); pin {SUPPORTED}"
        ) from exc


# The probe's own wrappers, to tell them from anyone else's (weakly: a wrapper the
# scope has dropped is nobody's business).
_WRAPPERS: weakref.WeakSet[Any] = weakref.WeakSet()


def beneath(owner: type, name: str) -> Any:
    """``owner.name`` without the probe's wrapper: what the probe calls, if it wrapped it."""
    found: Any = owner.__dict__.get(name)
    return found.__wrapped__ if found in _WRAPPERS else found


def _parse_patch(step_base: Any) -> Patch:
    original = step_base.__dict__["_parse_step_id"]

    @functools.wraps(original)
    def parse(self: Any, step_id: str) -> Any:
        parsed = original(self, step_id)
        _current_step.set(parsed)
        return parsed

    _WRAPPERS.add(parse)
    return Patch(step_base, "_parse_step_id", original, parse)


# Called for every step of every request, replays included: kept lean on purpose.
def _run_patch(
    step_cls: Any, listeners: Mapping[str, BodyListener | Routed], *, is_async: bool
) -> Patch:
    original = step_cls.__dict__["run"]

    if is_async:

        @functools.wraps(original)
        async def run_async(self: Any, step_id: str, handler: Any, *args: Any, **kw: Any) -> Any:
            replay = Replays.run_async
            if replay is not None:
                replayed = await replay(self, step_id, kw)
                if replayed is not MISS:
                    return replayed
            ctx = self._execution._request.ctx
            found = listeners.get(ctx.run_id)
            listener = found.of(self._client) if isinstance(found, Routed) else found
            if listener is None:
                return await original(self, step_id, handler, *args, **kw)
            run_id, attempt = ctx.run_id, ctx.attempt

            async def body(*body_args: Any) -> Any:
                with listener.running(run_id, _step_key(step_id), attempt):
                    result = handler(*body_args)
                    if inspect.isawaitable(result):
                        result = await result
                return result

            return await original(self, step_id, body, *args, **kw)

        _WRAPPERS.add(run_async)
        return Patch(step_cls, "run", original, run_async)

    @functools.wraps(original)
    def run_sync(
        self: Any, step_id: str, handler: Callable[..., Any], *args: Any, **kw: Any
    ) -> Any:
        replay = Replays.run_sync
        if replay is not None:
            replayed = replay(self, step_id, kw)
            if replayed is not MISS:
                return replayed
        ctx = self._execution._request.ctx
        found = listeners.get(ctx.run_id)
        listener = found.of(self._client) if isinstance(found, Routed) else found
        if listener is None:
            return original(self, step_id, handler, *args, **kw)
        run_id, attempt = ctx.run_id, ctx.attempt

        def body(*body_args: Any) -> Any:
            with listener.running(run_id, _step_key(step_id), attempt):
                return handler(*body_args)

        return original(self, step_id, body, *args, **kw)

    _WRAPPERS.add(run_sync)
    return Patch(step_cls, "run", original, run_sync)
