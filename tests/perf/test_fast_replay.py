"""The accelerator's fast replay of a memoized ``step.run`` answers as the SDK's own does.

Each case drives one SDK ``Step`` (or ``StepSync``) through a sequence of ``step.run``
calls against hand-made memos, once with the stock SDK and once with the accelerator
installed, and compares everything a caller or the rest of the request can see: each
call's value or error, which handlers ran, the step-id counts, the memos left, and when
the middleware's ``before_execution`` ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import inngest
import pydantic
import pytest
from inngest._internal import middleware_lib, server_lib, transforms
from inngest._internal.execution_lib import models, v0
from inngest._internal.serializer_lib import PydanticSerializer
from inngest._internal.step_lib import base, step_async, step_sync

from inngest_sim._sdk.probe import MISS, Replays
from inngest_sim._sdk.scope import patched_sdk


class Asset(pydantic.BaseModel):
    key: str
    size: int


@dataclasses.dataclass(frozen=True)
class Case:
    memos: dict[str, Any]  # pre-hash step id ("a", "a:1") -> the memo as the server sends it
    calls: list[tuple[Any, dict[str, Any]]]  # (step id, step.run keyword arguments)
    nested: bool = False  # the calls happen inside another step's body
    serializer: bool = False


DATA = {"data": {"key": "k", "size": 3}}
ERROR = {"error": {"name": "ValueError", "message": "bad input", "stack": "Traceback: ..."}}
CASES = {
    "one memo, then a new step": Case({"a": DATA}, [("a", {}), ("b", {})]),
    "every memo, in order": Case(
        {"a": DATA, "b": {"data": None}, "c": {"data": [1, "x"]}},
        [("a", {}), ("b", {}), ("c", {}), ("d", {})],
    ),
    "memos out of order": Case({"a": DATA, "b": DATA}, [("b", {}), ("a", {})]),
    "a reused id counts": Case(
        {"a": {"data": 1}, "a:1": {"data": 2}}, [("a", {}), ("a", {}), ("a", {})]
    ),
    "a memoized error": Case({"a": ERROR, "b": DATA}, [("a", {}), ("b", {})]),
    "an error without a stack": Case({"a": {"error": {"name": "E", "message": "m"}}}, [("a", {})]),
    "a memo that is not an Output": Case({"a": {"unexpected": True}}, [("a", {})]),
    "a typed output": Case({"a": DATA}, [("a", {"output_type": Asset})], serializer=True),
    "a typed output without a serializer": Case({"a": DATA}, [("a", {"output_type": Asset})]),
    "an unknown keyword": Case({"a": DATA}, [("a", {"colour": "red"})]),
    "a step id that is not a string": Case({"7": DATA}, [(7, {})]),
    "nested in another step": Case({"a": DATA}, [("a", {})], nested=True),
    "no memos at all": Case({}, [("a", {})]),
}


def _request(memos: dict[str, Any]) -> server_lib.ServerRequest:
    return server_lib.ServerRequest.model_validate(
        {
            "ctx": {
                "attempt": 0,
                "disable_immediate_execution": False,
                "run_id": "run-1",
                "stack": {"stack": list(memos)},
            },
            "event": {"name": "t/x", "data": {}},
            "steps": memos,
            "use_api": False,
        }
    )


def _drive(case: Case, *, is_async: bool, accelerate: bool) -> dict[str, Any]:
    seen: list[str] = []

    class Watch(inngest.Middleware):
        async def before_execution(self) -> None:
            seen.append("before_execution")

    class WatchSync(inngest.MiddlewareSync):
        def before_execution(self) -> None:
            seen.append("before_execution")

    serializer = PydanticSerializer() if case.serializer else None
    client = inngest.Inngest(app_id="fast-replay", is_production=False, serializer=serializer)
    client.middleware = [Watch if is_async else WatchSync]
    hashed = {transforms.hash_step_id(k): v for k, v in case.memos.items()}
    memos = base.StepMemos.from_raw(hashed)
    manager = middleware_lib.MiddlewareManager.from_client(client, None, None)
    execution_type: Any = v0.ExecutionV0 if is_async else v0.ExecutionV0Sync
    execution = execution_type(memos, manager, _request(hashed), None, None)
    counter = base.StepIDCounter()
    step_type: Any = step_async.Step if is_async else step_sync.StepSync
    step = step_type(client, execution, manager, counter, None)

    def handler(name: str) -> Any:
        def body() -> Any:
            seen.append(f"ran {name}")
            return {"key": name, "size": 1}

        return body

    async def call_async(step_id: Any, kw: dict[str, Any]) -> Any:
        return await step.run(step_id, handler(str(step_id)), **kw)

    def call_sync(step_id: Any, kw: dict[str, Any]) -> Any:
        return step.run(step_id, handler(str(step_id)), **kw)

    answers: list[Any] = []

    async def calls() -> None:
        if case.nested:
            models._in_step.set(True)
        for step_id, kw in case.calls:
            try:
                value = await call_async(step_id, kw) if is_async else call_sync(step_id, kw)
            except BaseException as exc:  # ResponseInterrupt and friends are BaseExceptions
                answers.append(_described(exc))
            else:
                answers.append(("value", type(value).__name__, _plain(value)))

    with patched_sdk(accelerate=accelerate) as sdk:
        status = sdk.accelerator
        assert status.active is accelerate
        assert (Replays.run_async is not None) is accelerate
        contextvars.copy_context().run(asyncio.run, calls())
    return {
        "answers": answers,
        "seen": seen,
        "counts": dict(counter._counts),
        "memos left": list(memos._memos),
    }


def _plain(value: Any) -> Any:
    return value.model_dump() if isinstance(value, pydantic.BaseModel) else value


def _described(exc: BaseException) -> tuple[Any, ...]:
    fields: dict[str, Any] = {}
    for name in ("message", "name", "stack", "code", "is_retriable"):
        if hasattr(exc, name):
            fields[name] = str(getattr(exc, name))
    if isinstance(exc, base.ResponseInterrupt):
        fields["responses"] = [
            (r.step.id, r.step.op, r.step.display_name, r.output, repr(r.original_error))
            for r in exc.responses
        ]
    return ("raised", type(exc).__name__, str(exc), fields)


@pytest.mark.parametrize("is_async", [True, False], ids=["async", "sync"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_replay_answers_as_the_sdks_own(name: str, is_async: bool) -> None:
    case = CASES[name]
    stock = _drive(case, is_async=is_async, accelerate=False)
    fast = _drive(case, is_async=is_async, accelerate=True)
    assert fast == stock


@contextlib.contextmanager
def _spied(spy: Callable[[Any, Any, Any], Awaitable[Any]]) -> Iterator[None]:
    """The accelerator installed, with its async replay wrapped by ``spy``."""
    with patched_sdk():
        real = Replays.run_async
        assert real is not None

        async def wrapped(step: Any, step_id: Any, kw: dict[str, Any]) -> Any:
            return await spy(real, step_id, await real(step, step_id, kw))

        Replays.run_async = wrapped
        try:
            yield
        finally:
            Replays.run_async = real


def test_the_comparison_sees_a_replay_that_answers_otherwise() -> None:
    async def off_by_one(real: Any, step_id: Any, answer: Any) -> Any:
        return answer + 1 if type(answer) is int else answer

    async def lists_as_tuples(real: Any, step_id: Any, answer: Any) -> Any:
        return tuple(answer) if isinstance(answer, list) else answer

    for spy, name in (
        (off_by_one, "a reused id counts"),
        (lists_as_tuples, "every memo, in order"),
    ):
        stock = _drive(CASES[name], is_async=True, accelerate=False)
        with _spied(spy):
            assert _drive(CASES[name], is_async=True, accelerate=True) != stock, name


def test_the_fast_replay_runs_on_a_plain_replay_and_on_nothing_else() -> None:
    hits: list[Any] = []

    async def note(real: Any, step_id: Any, answer: Any) -> Any:
        hits.append(None if answer is MISS else step_id)
        return answer

    with _spied(note):
        _drive(CASES["a reused id counts"], is_async=True, accelerate=True)
        assert hits == ["a", "a", None]  # the third "a" has no memo: the SDK runs it
        hits.clear()
        _drive(CASES["an unknown keyword"], is_async=True, accelerate=True)
        assert hits == [None]
        hits.clear()
        _drive(CASES["a memo that is not an Output"], is_async=True, accelerate=True)
        assert hits == ["a"]  # such a memo is data, as the SDK reads it
