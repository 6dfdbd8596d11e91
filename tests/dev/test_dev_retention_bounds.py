"""``--keep-runs N`` keeps memory flat: after rounds of N runs of functions using every
feature a run or its events touch (debounce, batch, singleton, throttle, rate limit,
concurrency keys, priority, idempotency, cancelOn, waitForEvent, signals, invoke, run
metadata, realtime, lifecycle events), nothing reachable from the dev server grows with
the number of rounds.

The server is in this process, on held virtual time. After each round the objects
reachable from the ``DevServer`` are counted by type; from the second round on the counts
must not grow. Each round ends a day later, so that the windows still open legitimately
(the 24 hours an event id is remembered, a small entry per event) have closed.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import gc
import itertools
import json
import types
from collections.abc import Iterator
from typing import Any

import httpx
import inngest
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from inngest_sim._dev.options import DevOptions
from inngest_sim._engine.run import RunState
from inngest_sim._ids import SeededEventIds
from inngest_sim.dev import DevServerClient
from inngest_sim.trace import MetadataAdded, Record, RunEnded, RunQueued, SignalSent
from tests.dev._capture_app import start_app
from tests.dev.conftest import require_ts_app
from tests.dev.test_dev_retention_memory import InProcess
from tests.dev.test_dev_server import App

KEEP = 5
ROUNDS = 6
APP = "bounds"
WAIT_ID = "w"  # the scripted signal wait's op id
EXTRA = "extra"  # an app whose one function has another id each round
SDK = {"x-inngest-sdk": "inngest-py"}


class SignalApp(App):
    """The app, with one function (``signal``) answered by a script: the Python SDK has no
    ``waitForSignal``, so its first request answers a ``WaitForSignal`` op on the signal
    ``sig-<k>``; once resumed (the op's memo sent back) the SDK's function returns."""

    def asgi(self) -> Any:
        sdk = super().asgi()

        async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
            query = scope.get("query_string", b"").decode()
            if f"fnId={EXTRA}-" in query:  # a function of the app synced anew each round
                await JSONResponse(None, headers=SDK)(scope, receive, send)
                return
            if scope["type"] != "http" or f"fnId={APP}-signal" not in query:
                await sdk(scope, receive, send)
                return
            body = await Request(scope, receive).body()
            sent = json.loads(body) if scope["method"] == "POST" else {}
            if scope["method"] != "POST" or WAIT_ID in (sent.get("steps") or {}):

                async def again() -> dict[str, Any]:
                    return {"type": "http.request", "body": body, "more_body": False}

                await sdk(scope, again, send)
                return
            signal = f"sig-{sent['event']['data']['k']}"
            op = {"op": "WaitForSignal", "id": WAIT_ID, "name": WAIT_ID}
            op["opts"] = {"signal": signal, "timeout": "30d"}
            await JSONResponse([op], status_code=206, headers=SDK)(scope, receive, send)

        return app


def feature_app(dev: InProcess) -> App:
    app = SignalApp(dev, APP)  # type: ignore[arg-type]
    fn = app.client.create_function
    key = "event.data.k"

    def on(name: str) -> inngest.TriggerEvent:
        return inngest.TriggerEvent(event=f"{APP}/{name}")

    async def step(ctx: inngest.Context) -> Any:
        return await ctx.step.run("s", lambda: ctx.event.data.get("k"))

    period = dt.timedelta(seconds=1)
    minute = dt.timedelta(minutes=1)
    functions = [
        fn(fn_id="debounce", trigger=on("go"), debounce=inngest.Debounce(period=period, key=key)),
        fn(
            fn_id="batch",
            trigger=on("go"),
            batch_events=inngest.Batch(max_size=2, timeout=period, key=key),
        ),
        fn(fn_id="singleton", trigger=on("go"), singleton=inngest.Singleton(key=key, mode="skip")),
        fn(
            fn_id="throttle",
            trigger=on("go"),
            throttle=inngest.Throttle(limit=1, period=minute, key=key),
        ),
        fn(
            fn_id="rate-limit",
            trigger=on("go"),
            rate_limit=inngest.RateLimit(limit=1, period=minute, key=key),
        ),
        fn(
            fn_id="concurrency",
            trigger=on("go"),
            concurrency=[
                inngest.Concurrency(limit=1, key=key),
                inngest.Concurrency(limit=2, key=key, scope="env"),
            ],
        ),
        fn(fn_id="priority", trigger=on("go"), priority=inngest.Priority(run="event.data.n")),
        fn(fn_id="idempotency", trigger=on("go"), idempotency=key),
        fn(fn_id="child", trigger=on("child")),
    ]
    functions = [f(step) for f in functions]

    @fn(
        fn_id="cancel-on",
        trigger=on("go"),
        cancel=[inngest.Cancel(event=f"{APP}/cancel", if_exp="async.data.k == event.data.k")],
    )
    async def cancel_on(ctx: inngest.Context) -> None:
        # A minute's wait for nothing (the Python SDK's step.sleep is until a wall-clock
        # instant, which the server's virtual clock has left behind after a round's day).
        await ctx.step.wait_for_event("nap", event=f"{APP}/never", timeout=minute)

    @fn(fn_id="wait", trigger=[on("go"), on("linger")])
    async def wait(ctx: inngest.Context) -> Any:
        answer = await ctx.step.wait_for_event(
            "answer",
            event=f"{APP}/answer",
            if_exp="async.data.k == event.data.k",
            timeout=dt.timedelta(days=30),
        )
        return None if answer is None else answer.data

    @fn(fn_id="invoke", trigger=on("go"))
    async def invoke(ctx: inngest.Context) -> Any:
        child = functions[-1]
        return await ctx.step.invoke("call", function=child, data={"k": ctx.event.data["k"]})

    @fn(fn_id="signal", trigger=on("go"))
    async def signal(ctx: inngest.Context) -> str:
        return "signalled"

    app.functions = [*functions, cancel_on, wait, invoke, signal]
    app.serve()
    app.sync()
    return app


@pytest.fixture(params=["auto-run", "no-auto-run"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[InProcess, DevServerClient]]:
    """The server; with ``--no-auto-run`` every round's runs are held, then drained."""
    # --max-in-flight 4: at most four connections to the app, all of them open in round one.
    options = DevOptions(
        port=0,
        keep_runs=KEEP,
        clock="virtual",
        hold_time=True,
        max_in_flight=4,
        auto_run=request.param == "auto-run",
    )
    dev = InProcess(options)
    dev.start()
    client = DevServerClient(dev.url)
    yield dev, client
    client.close()
    dev.stop()


def a_round(
    dev: InProcess, client: DevServerClient, http: httpx.Client, r: int, app: App, seen: Seen
) -> None:
    """The app synced again (as a suite's tests each do), KEEP events for every function
    (each twice, to exercise batches, singletons and ids seen again), every wait answered,
    then time moved past every window. Another app syncs a function of a new id (the
    round's), which the round's events that trigger nothing else start."""
    app.sync()
    fn_id = f"{EXTRA}-r{r}"
    step = {"id": "step", "runtime": {"type": "http", "url": f"{app.url}?fnId={fn_id}&stepId=step"}}
    function = {"id": fn_id, "name": fn_id, "triggers": [{"event": f"{APP}/noise"}]}
    registration = {
        "appname": EXTRA,
        "url": app.url,
        "functions": [{**function, "steps": {"step": step}}],
    }
    synced = http.post(f"{dev.url}/fn/register", json=registration)
    assert synced.status_code == 200, synced.text
    keys = [f"r{r}-{i}" for i in range(KEEP)]
    for i, k in enumerate(keys):
        event = {"name": f"{APP}/go", "data": {"k": k, "n": i}, "id": f"{k}-id"}
        for _ in range(2):
            assert http.post(f"{dev.url}/e/key", json=event).status_code == 200
        # An event only the extra app's function takes, and a realtime message.
        http.post(f"{dev.url}/e/key", json={"name": f"{APP}/noise", "data": {"k": k}})
        publish = http.post(
            f"{dev.url}/v1/realtime/publish",
            params={"channel": f"ch-{k}", "topic": "t"},
            json={"k": k},
        )
        assert publish.status_code == 200, publish.text
    drain(dev, client)
    client.wait_idle()
    for k in keys:
        run_id = seen.queued[(f"{APP}-signal", k)]
        metadata = {"target": {"run_id": run_id}, "metadata": [{"kind": "demo", "values": {}}]}
        added = http.post(f"{dev.url}/v1/runs/{run_id}/metadata", json=metadata)
        assert added.status_code == 200, added.text
        ended = http.post(f"{dev.url}/v1/signals", json={"signal": f"sig-{k}", "data": {}})
        assert ended.status_code == 200, ended.text
        assert ended.json()["data"]["run_id"] == run_id
        http.post(f"{dev.url}/e/key", json={"name": f"{APP}/answer", "data": {"k": k}})
    for k in keys[::2]:  # half the cancelOn runs are cancelled, half finish their wait
        http.post(f"{dev.url}/e/key", json={"name": f"{APP}/cancel", "data": {"k": k}})
    client.wait_idle()
    for seconds in (2, 70, 70):  # debounce and batch close; throttles, nap and limits pass
        client.advance(seconds)
        client.wait_idle()
    # A day on: the 24 hours an event id is remembered (a repeat skipped) have passed. An
    # entry per (function, event id) is what that window needs while it is open: a float,
    # no run (tests/dev/test_dev_retention_memory.py counts them).
    client.advance(dt.timedelta(days=1, hours=1))


#: Not followed: the program (modules, classes, code; functions' globals are skipped too);
#: asyncio's event loop, whose own timer handles (cancelled ones included) last some real
#: seconds, which a test on virtual time does not wait for; and the event-id seeds of SDK
#: sends, a bound of their own (the newest REMEMBERED_SENDS, tests/units/test_ids.py), far
#: above what these rounds send.
PROGRAM = (types.ModuleType, type, types.CodeType, asyncio.AbstractEventLoop, SeededEventIds)


def drain(dev: InProcess, client: DevServerClient) -> None:
    """Start the runs ``--no-auto-run`` held (through the fan-out's slices)."""
    if not dev.server.options.auto_run:
        assert client.queued()
        client.drain(wait=False)


def reachable(root: object) -> collections.Counter[str]:
    """Objects reachable from ``root``, counted by type."""
    seen: set[int] = set()
    counts: collections.Counter[str] = collections.Counter()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (*PROGRAM, Seen)):  # Seen: this test's own
            continue
        seen.add(id(obj))
        counts[type(obj).__qualname__] += 1
        if isinstance(obj, types.FunctionType):
            cells = obj.__closure__ or ()
            stack.extend(c.cell_contents for c in cells if _filled(c))
            stack.extend(obj.__defaults__ or ())
        else:
            stack.extend(gc.get_referents(obj))
    return counts


def _filled(cell: types.CellType) -> bool:
    try:
        cell.cell_contents  # noqa: B018 - an empty cell raises
    except ValueError:
        return False
    return True


def on_loop(dev: InProcess, what: Any) -> Any:
    """``what()`` on the server's loop (its structures change only there)."""

    async def call() -> Any:
        return what()

    assert dev.loop is not None
    return asyncio.run_coroutine_threadsafe(call(), dev.loop).result(timeout=60)


class Seen:
    """What the rounds did, read as records are written (the trace forgets them): each run's
    end by function and status, with the outputs, and the signals that resumed a run."""

    def __init__(self, dev: InProcess) -> None:
        self.ended: collections.Counter[tuple[str, str]] = collections.Counter()
        self.outputs: dict[str, list[Any]] = collections.defaultdict(list)
        self.resumed = self.metadata = 0
        self.queued: dict[tuple[str, str], str] = {}  # (function id, event's k): run id
        on_loop(dev, lambda: dev.server.trace.subscribe(self._record))

    def _record(self, record: Record) -> None:
        if isinstance(record, RunQueued):
            key = record.event.get("data", {}).get("k")
            self.queued[(record.function_id, str(key))] = record.run_id
        elif isinstance(record, RunEnded):
            self.ended[(record.function_id, record.status)] += 1
            self.outputs[record.function_id].append(record.output)
        elif isinstance(record, SignalSent) and record.run_id is not None:
            self.resumed += 1
        elif isinstance(record, MetadataAdded):
            self.metadata += 1


def assert_flat(counts: list[collections.Counter[str]]) -> None:
    """From the second round on, nothing grows (the first fills caches and pools): no
    type's count rises at every round (a leak of even one object per round does), nor ends
    far above where it was."""
    grew = {
        kind: [count[kind] for count in counts[1:]]
        for kind in counts[-1]
        if all(a[kind] < b[kind] for a, b in itertools.pairwise(counts[1:]))
        or counts[-1][kind] > counts[1][kind] * 1.5 + 50
    }
    assert not grew, f"grew from round 2 to round {len(counts)}: {grew}"


def test_every_structure_stays_flat_over_rounds_of_keep_runs_runs(
    served: tuple[InProcess, DevServerClient],
) -> None:
    dev, client = served
    app = feature_app(dev)
    try:
        with httpx.Client(timeout=30) as http:
            # A run that waits through every round: the timers cancelled behind its own
            # (each matched wait's, each cancelOn entry's) are in the scheduler's heap.
            linger = {"name": f"{APP}/linger", "data": {"k": "linger"}}
            assert http.post(f"{dev.url}/e/key", json=linger).status_code == 200
            drain(dev, client)
            seen = Seen(dev)
            counts = []
            for r in range(ROUNDS):
                a_round(dev, client, http, r, app, seen)
                counts.append(on_loop(dev, lambda: reachable(dev.server)))
            # Each round did what it says: every run of every feature ended as it should.
            runs = ROUNDS * KEEP
            for fn_id in ("singleton", "throttle", "rate-limit", "concurrency", "priority"):
                assert seen.ended[(f"{APP}-{fn_id}", "Completed")] == runs, fn_id
            assert seen.ended[(f"{APP}-idempotency", "Completed")] == runs
            assert seen.ended[(f"{APP}-debounce", "Completed")] == runs
            assert seen.ended[(f"{APP}-batch", "Completed")] == runs  # each key's two events
            cancelled = ROUNDS * len(range(0, KEEP, 2))  # every other key's run is cancelled
            assert seen.ended[(f"{APP}-cancel-on", "Cancelled")] == cancelled
            assert seen.ended[(f"{APP}-cancel-on", "Completed")] == runs - cancelled
            assert seen.outputs[f"{APP}-wait"] == [
                {"k": f"r{r}-{i}"} for r in range(ROUNDS) for i in range(KEEP)
            ]
            assert seen.ended[(f"{APP}-invoke", "Completed")] == runs
            assert seen.ended[(f"{APP}-signal", "Completed")] == seen.resumed == runs
            assert seen.metadata == runs
            assert all(seen.ended[(f"{EXTRA}-r{r}", "Completed")] == KEEP for r in range(ROUNDS))
            listed = client.runs()
            assert [r["status"] for r in listed].count("RUNNING") == 1  # the lingering one
            finished = len(listed) - 1
            assert KEEP <= finished <= KEEP + max(1, KEEP // 10)
            assert_flat(counts)
        gc.collect()
        alive = [o for o in gc.get_objects() if isinstance(o, RunState) and o.spec.app_id == APP]
        assert 0 < len(alive) <= KEEP + max(1, KEEP // 10) + 1  # kept ones, the lingering one
    finally:
        app.stop()


def ts_round(dev: InProcess, client: DevServerClient, http: httpx.Client, r: int, url: str) -> None:
    """The TypeScript app (checkpointing) synced again, then KEEP runs of each of its
    functions that use what the Python SDK cannot: step.waitForSignal resumed by another
    run's step.sendSignal, step and run metadata, defer(), sessions carried to sent and
    invoked runs, step.fetch; then time moved past every window."""
    client.sync(url)
    keys = [f"r{r}-{i}" for i in range(KEEP)]

    def send(name: str, data: dict[str, Any], **extra: Any) -> None:
        sent = http.post(f"{dev.url}/e/key", json={"name": name, "data": data, **extra})
        assert sent.status_code == 200, sent.text

    for i, k in enumerate(keys):
        send("ts/signal.wait", {"signal": f"sig-{k}", "timeout": "30d"})
        send("ts/metadata", {})
        send("ts/defer", {"n": i})
        send("ts/session", {}, meta={"sessions": {"user": k, "drop": "d"}})
        send("ts/fetch", {"url": f"{dev.url}/sim/seq"})
    client.wait_idle()
    for k in keys:
        send("ts/signal.send", {"signal": f"sig-{k}", "data": {"k": k}})
    client.wait_idle()
    client.advance(70)
    client.wait_idle()
    client.advance(dt.timedelta(days=1, hours=1))
    client.wait_idle()


def test_typescript_features_stay_flat_over_rounds_of_keep_runs_runs() -> None:
    require_ts_app()
    options = DevOptions(port=0, keep_runs=KEEP, clock="virtual", hold_time=True, max_in_flight=4)
    dev = InProcess(options)
    dev.start()
    client = DevServerClient(dev.url)
    app = start_app(dev.url, checkpointing=True)
    try:
        with httpx.Client(timeout=30) as http:
            seen = Seen(dev)
            counts = []
            for r in range(ROUNDS):
                ts_round(dev, client, http, r, app.serve_url)
                counts.append(on_loop(dev, lambda: reachable(dev.server)))
            ended = [run["status"] for run in client.runs()]
            assert "RUNNING" not in ended
            assert KEEP <= len(ended) <= KEEP + max(1, KEEP // 10)
        # Each round did what it says: every wait resumed by its signal (none waited out its
        # 30 days), metadata three ways, each defer and session run, each fetch answered.
        runs = ROUNDS * KEEP
        statuses = {status for _, status in seen.ended}
        assert statuses == {"Completed"}, seen.ended
        waits = seen.outputs["ts-app-wait-for-signal"]
        assert len(waits) == seen.resumed == runs
        assert all(w["got"]["data"]["k"].startswith("r") for w in waits)
        assert seen.metadata >= 3 * runs
        assert (
            seen.ended[("ts-app-deferred-report", "Completed")] == 2 * runs
        )  # with-defer's, session-parent's
        assert seen.ended[("ts-app-session-child", "Completed")] == 2 * runs  # sent and invoked
        assert [f["status"] for f in seen.outputs["ts-app-fetch-url"]] == [200] * runs
        assert_flat(counts)
    finally:
        app.stop()
        client.close()
        dev.stop()
