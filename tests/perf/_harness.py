"""Runs a scenario through today's Simulator with chosen levers and records what to compare.

What is recorded: the trace with wall-clock fields dropped, each run's
``check_replay`` outcome, every request as the SDK's handler received it
(``CommRequest`` fields) and every response as the executor read it.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
from inngest._internal.comm_lib.handler import CommHandler

from inngest_sim import InProcessBackend, NondeterminismError, Simulator
from inngest_sim._protocol import ExecutionCall
from inngest_sim._sdk.direct import DirectAnswer
from inngest_sim._sdk.scope import patched_sdk

from ._scenarios import START, Scenario

WALL_FIELDS = frozenset({"wall", "wall_seconds"})
# What the SDK takes from a request; raw_request is the framework's own object.
REQUEST_FIELDS = (
    "body",
    "headers",
    "query_params",
    "request_url",
    "public_path",
    "serve_origin",
    "serve_path",
)


@dataclasses.dataclass
class Outcome:
    trace: list[dict[str, Any]]
    replays: list[tuple[str, Any]]
    requests: list[tuple[str, dict[str, Any]]]
    responses: list[tuple[int, list[tuple[bytes, bytes]], bytes]]
    accelerated: bool


def normalised(trace: Any) -> list[dict[str, Any]]:
    """Each record as a dict without the fields that read the wall clock."""
    return [{k: v for k, v in record.to_dict().items() if k not in WALL_FIELDS} for record in trace]


class _Recorder:
    """Wraps an endpoint; keeps each response as the executor reads it, in request order.

    In the order the requests were sent, not the order they were answered in: sync
    functions run in worker threads, so parallel requests finish in whatever order the
    threads do (the simulator handles them in a fixed order regardless).
    """

    def __init__(self, inner: Any, responses: list[Any]) -> None:
        self.inner, self.url, self._responses = inner, inner.url, responses

    async def _keep(self, answer: Any) -> httpx.Response:
        slot = len(self._responses)
        self._responses.append(None)  # this request's place, taken when it is sent
        response = await answer
        if isinstance(response, DirectAnswer):
            # The executor looks headers up by name: that view must say what the raw pairs say.
            raw = {k.decode("latin-1"): v.decode("latin-1") for k, v in response.headers.raw}
            assert dict(response.headers) == raw, (dict(response.headers), raw)
        self._responses[slot] = (response.status_code, response.headers.raw, response.content)
        return response  # type: ignore[no-any-return]

    async def execute(self, call: ExecutionCall) -> httpx.Response:
        return await self._keep(self.inner.execute(call))

    async def sync(self) -> httpx.Response:
        return await self._keep(self.inner.sync())


@dataclasses.dataclass(frozen=True)
class _RecordingBackend:
    """The in-process backend (direct or over ASGI), keeping every response it gives."""

    transport: str
    responses: list[Any]
    supports_body_probe: bool = True
    api_port: int | None = None

    def open(self, stack: Any, *, wrap: Any, **options: Any) -> Any:
        inner = InProcessBackend(transport=self.transport)  # type: ignore[arg-type]
        return inner.open(stack, wrap=lambda e: wrap(_Recorder(e, self.responses)), **options)


@contextlib.contextmanager
def _sdk_requests(seen: list[tuple[str, dict[str, Any]]]) -> Iterator[None]:
    """Test-only: note every request the SDK's handler gets, before it reads it."""
    post, put = CommHandler.post, CommHandler.put

    def spy(method: str, original: Any) -> Any:
        async def handle(self: Any, req: Any) -> Any:
            seen.append((method, {field: getattr(req, field) for field in REQUEST_FIELDS}))
            return await original(self, req)

        return handle

    CommHandler.post = spy("POST", post)  # type: ignore[method-assign]
    CommHandler.put = spy("PUT", put)  # type: ignore[method-assign]
    try:
        yield
    finally:
        CommHandler.post, CommHandler.put = post, put  # type: ignore[method-assign]


async def _replay(sim: Simulator, run: Any) -> tuple[str, Any]:
    try:
        report = await sim.check_replay(run)
    except NondeterminismError as exc:
        return "diverged", str(exc)
    return "ok", report.prefixes


async def outcome(build: Any, *, accelerate: bool, direct: bool = False, seed: int = 7) -> Outcome:
    scenario: Scenario = build()
    requests: list[tuple[str, dict[str, Any]]] = []
    responses: list[Any] = []
    backend = _RecordingBackend("direct" if direct else "asgi", responses)
    with patched_sdk(accelerate) as sdk, _sdk_requests(requests):
        status = sdk.accelerator
        async with Simulator(
            scenario.client,
            scenario.functions,
            start=START,
            seed=seed,
            backend=backend,
            accelerate=accelerate,
            **scenario.options,
        ) as sim:
            runs = await scenario.drive(sim)
            replays = [await _replay(sim, run) for run in runs]
            trace = normalised(sim.trace)
    return Outcome(trace, replays, requests, responses, status.active)
