"""A probe inside the SDK: sees every step body start and end (in-process only).

The executor only sees what the SDK reports. A body can also run without being
reported: ``asyncio.gather`` over ``step.run`` runs every body but reports one,
and a lost response hides a body that did run. Wrapping the handler that
``step.run`` receives tells the simulator about each real execution, and gives
fault injection a place to act *inside* a step.

The patch is installed once per process and routes each call to the listener
registered for the run id, so unrelated code using the SDK is untouched.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from inngest_sim._errors import SdkBridgeError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from contextlib import AbstractContextManager

__all__ = ["MISS", "BodyListener", "Probe", "Replays", "beneath"]

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
    key = parsed.user_facing if not parsed.index else f"{parsed.user_facing}:{parsed.index}"
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


class Probe:
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _installed: ClassVar[bool] = False
    _listeners: ClassVar[dict[str, BodyListener]] = {}

    @classmethod
    def listen(cls, run_id: str, listener: BodyListener) -> None:
        cls._install()
        cls._listeners[run_id] = listener

    @classmethod
    def forget(cls, run_ids: list[str]) -> None:
        for run_id in run_ids:
            cls._listeners.pop(run_id, None)

    @classmethod
    def _install(cls) -> None:
        with cls._lock:
            if cls._installed:
                return
            try:
                from inngest._internal.step_lib import base, step_async, step_sync

                _patch_parse(base.StepBase)
                _patch_run(step_async.Step, is_async=True)
                _patch_run(step_sync.StepSync, is_async=False)
            except (ImportError, AttributeError) as exc:
                raise SdkBridgeError(
                    f"cannot install the step probe in this inngest SDK ({exc}); "
                    "pin inngest>=0.5.19,<0.6"
                ) from exc
            cls._installed = True


# The probe's own wrappers, to tell them from anyone else's.
_WRAPPERS: set[Any] = set()


def beneath(owner: type, name: str) -> Any:
    """``owner.name`` without the probe's wrapper: what the probe calls, if it wrapped it."""
    found: Any = owner.__dict__.get(name)
    return found.__wrapped__ if found in _WRAPPERS else found


def _patch_parse(step_base: Any) -> None:
    original = step_base._parse_step_id

    @functools.wraps(original)
    def parse(self: Any, step_id: str) -> Any:
        parsed = original(self, step_id)
        _current_step.set(parsed)
        return parsed

    step_base._parse_step_id = parse
    _WRAPPERS.add(parse)


# Called for every step of every request, replays included: kept lean on purpose.
def _patch_run(step_cls: Any, *, is_async: bool) -> None:
    original = step_cls.run
    listeners = Probe._listeners

    if is_async:

        @functools.wraps(original)
        async def run_async(self: Any, step_id: str, handler: Any, *args: Any, **kw: Any) -> Any:
            replay = Replays.run_async
            if replay is not None:
                replayed = await replay(self, step_id, kw)
                if replayed is not MISS:
                    return replayed
            ctx = self._execution._request.ctx
            listener = listeners.get(ctx.run_id)
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

        step_cls.run = run_async
        _WRAPPERS.add(run_async)
        return

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
        listener = listeners.get(ctx.run_id)
        if listener is None:
            return original(self, step_id, handler, *args, **kw)
        run_id, attempt = ctx.run_id, ctx.attempt

        def body(*body_args: Any) -> Any:
            with listener.running(run_id, _step_key(step_id), attempt):
                return handler(*body_args)

        return original(self, step_id, body, *args, **kw)

    step_cls.run = run_sync
    _WRAPPERS.add(run_sync)
