"""Time over HTTP: a whole order flow (parallel reservations, a two-day wait for an event,
a three-day sleep, an invoked payment) served by FastAPI and run end to end through
``inngest-sim dev`` on held virtual time, and every refusal of the time endpoints."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import inngest
import pytest

from inngest_sim import SimError
from inngest_sim.dev import DevServerClient, dev_server
from tests.dev.test_dev_server import App

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def iso(when: dt.datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def order_app(dev: DevServerClient) -> App:
    """The order-fulfilment app of issue 23, as a new user would write it."""
    app = App(dev, "shop")
    client = app.client

    @client.create_function(fn_id="charge", trigger=inngest.TriggerEvent(event="shop/charge"))
    async def charge(ctx: inngest.Context) -> dict[str, Any]:
        amount = ctx.event.data["amount"]
        return await ctx.step.run("capture", lambda: {"charged": amount, "ok": True})

    @client.create_function(
        fn_id="fulfil", retries=0, trigger=inngest.TriggerEvent(event="shop/order.placed")
    )
    async def fulfil(ctx: inngest.Context) -> dict[str, Any]:
        order = ctx.event.data["order_id"]
        items = list(ctx.event.data["items"])

        def reserve(item: str) -> Any:
            return lambda: ctx.step.run(f"reserve-{item}", lambda: f"{item}:held")

        reserved = await ctx.group.parallel(tuple(reserve(item) for item in items))
        shipped = await ctx.step.wait_for_event(
            "await-shipment",
            event="shop/order.shipped",
            if_exp=f"async.data.order_id == '{order}'",
            timeout=dt.timedelta(days=2),
        )
        if shipped is None:
            return {"order": order, "reserved": list(reserved), "outcome": "not shipped"}
        await ctx.step.sleep("returns-window", dt.timedelta(days=3))
        payment = await ctx.step.invoke(
            "pay", function=charge, data={"amount": 10 * len(items), "order_id": order}
        )
        return {"order": order, "reserved": list(reserved), "payment": payment}

    app.functions = [charge, fulfil]
    app.serve()
    app.sync()
    return app


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerClient]:
    args = ["--clock", "virtual", "--hold-time", "--start", iso(START), "--seed", "4"]
    with dev_server(port=0, args=args) as client:
        yield client


@pytest.fixture(scope="module")
def shop(dev: DevServerClient) -> Iterator[App]:
    app = order_app(dev)
    yield app
    app.stop()


def place(dev: DevServerClient, shop: App, order: str, items: list[str]) -> str:
    (event_id,) = shop.client.send_sync(
        inngest.Event(name="shop/order.placed", data={"order_id": order, "items": items})
    )
    answer = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()
    (run,) = answer["data"]
    return str(run["id"])


def step_names(dev: DevServerClient, run_id: str) -> list[str]:
    return [s["name"] for s in dev.run(run_id)["steps"]]


@pytest.fixture
def follow(dev: DevServerClient) -> Iterator[DevServerClient]:
    """The app's SDK reads the server's virtual time (it computes sleep ends from it)."""
    with dev.follow_time():
        yield dev


def test_the_order_flow_runs_end_to_end_on_held_time(follow: DevServerClient, shop: App) -> None:
    dev = follow
    start = dt.datetime.fromisoformat(dev.time()["now"])
    run_id = place(dev, shop, "o-1", ["mug", "tea", "lid"])

    waiting = dev.wait_idle()
    # Reserved in parallel, now waiting: time has not moved, the wait's timeout is next.
    assert waiting["held"] is True
    assert waiting["now"] == iso(start)
    assert waiting["next_timer"] == iso(start + 2 * DAY)
    assert dev.run(run_id)["status"] == "RUNNING"
    assert {"reserve-mug", "reserve-tea", "reserve-lid"} <= set(step_names(dev, run_id))

    moved = dev.advance(DAY)  # a day on: the wait has not timed out
    assert (moved["from"], moved["now"]) == (iso(start), iso(start + DAY))
    assert dev.run(run_id)["status"] == "RUNNING"

    shop.client.send_sync(inngest.Event(name="shop/order.shipped", data={"order_id": "o-1"}))
    sleeping = dev.wait_idle()
    assert sleeping["next_timer"] == iso(start + 4 * DAY)  # shipped on day 1, + 3 days

    dev.advance_to(start + 4 * DAY)
    run = dev.wait_for_run(run_id, timeout=20)
    assert run["status"] == "COMPLETED", run
    assert run["output"] == (
        '{"order":"o-1","reserved":["mug:held","tea:held","lid:held"],'
        '"payment":{"charged":30,"ok":true}}'
    )
    assert dt.datetime.fromisoformat(run["endedAt"]) == start + 4 * DAY
    (child,) = [r for r in dev.runs() if r["parentRunID"] == run_id]
    assert (child["functionID"], child["status"]) == ("shop-charge", "COMPLETED")
    assert dev.time()["held"] is True


def test_a_wait_times_out_when_time_passes_it(dev: DevServerClient, shop: App) -> None:
    run_id = place(dev, shop, "o-2", ["pen"])
    idle = dev.wait_idle()
    deadline = dt.datetime.fromisoformat(idle["next_timer"])
    with pytest.raises(SimError, match="time can't go backwards"):
        dev.advance_to(deadline - 3 * DAY)
    dev.advance_to(deadline)
    run = dev.wait_for_run(run_id, timeout=20)
    assert run["output"] == '{"order":"o-2","reserved":["pen:held"],"outcome":"not shipped"}'


def test_released_time_jumps_again_and_hold_time_restores_the_hold(
    dev: DevServerClient, shop: App
) -> None:
    httpx.delete(f"{dev.url}/sim/time/hold").raise_for_status()
    try:
        assert dev.time()["held"] is False
        run_id = place(dev, shop, "o-3", ["cup"])
        run = dev.wait_for_run(run_id, timeout=20)  # the 2-day wait jumps by itself
        assert run["status"] == "COMPLETED"
        with dev.hold_time():
            assert dev.time()["held"] is True
        assert dev.time()["held"] is False  # released as it was before the block
    finally:
        httpx.post(f"{dev.url}/sim/time/hold").raise_for_status()
    with dev.hold_time():  # held before the block: still held after it
        pass
    assert dev.time()["held"] is True


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("advance", b'{"seconds": -5}', 409, "time can't go backwards"),
        ("advance", b'{"seconds": NaN}', 400, "NaN is not a JSON number"),
        ("advance", b'{"seconds": 1e999}', 400, "beyond a 64-bit float"),
        ("advance", b'{"seconds": ', 400, "the body is not JSON"),
        ("advance", b'{"seconds": "3d"}', 400, '"seconds" must be a number'),
        ("advance", b'{"seconds": true}', 400, '"seconds" must be a number'),
        ("advance", b'{"seconds": 1, "duration": "1s"}', 400, 'give one of "seconds"'),
        ("advance", b"", 400, 'give one of "seconds"'),
        ("advance", b'{"duration": "three days"}', 400, "is not a duration"),
        ("advance", b'{"days": 3}', 400, "unknown field(s) 'days'"),
        ("advance", b"[3]", 400, "must be a JSON object"),
        ("advance", b'{"seconds": 1e300}', 400, "past 9999-12-31T23:59:59Z"),
        ("advance-to", b'{"time": "2001-01-01T00:00:00Z"}', 409, "time can't go backwards"),
        ("advance-to", b'{"time": "tomorrow"}', 400, "not an ISO-8601 time"),
        ("advance-to", b"{}", 400, 'give "time"'),
        ("hold", b'{"for": 3}', 400, "unknown field(s) 'for'"),
    ],
)
def test_bad_time_requests_are_4xx_naming_the_problem(
    dev: DevServerClient, path: str, body: bytes, status: int, message: str
) -> None:
    before = dev.time()
    response = httpx.post(f"{dev.url}/sim/time/{path}", content=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert dev.time() == before  # refused: nothing moved, held as it was


def test_an_oversized_body_is_a_413(dev: DevServerClient) -> None:
    response = httpx.post(f"{dev.url}/sim/time/advance", content=b" " * (300 * 1024))
    assert response.status_code == 413
    assert "takes at most 262144" in response.json()["error"]


def test_a_bad_idle_wait_is_a_400(dev: DevServerClient) -> None:
    response = httpx.get(f"{dev.url}/sim/idle", params={"timeout": "forever"})
    assert response.status_code == 400
    assert "'forever' is not a number of seconds" in response.json()["error"]


def test_time_cannot_move_while_a_request_is_in_flight(dev: DevServerClient) -> None:
    entered, release = threading.Event(), threading.Event()
    app = App(dev, "slow")

    @app.client.create_function(fn_id="slow", trigger=inngest.TriggerEvent(event="slow/go"))
    def slow(ctx: inngest.ContextSync) -> str:
        entered.set()
        release.wait(20)
        return "done"

    app.functions = [slow]
    app.serve()
    app.sync()
    try:
        app.client.send_sync(inngest.Event(name="slow/go"))
        assert entered.wait(20)
        response = httpx.post(f"{dev.url}/sim/time/advance", json={"seconds": 60})
        assert response.status_code == 409
        assert "1 request(s) to apps are in flight" in response.json()["error"]
        with pytest.raises(SimError, match=r"still busy after 0\.1s: 1 request"):
            dev.wait_idle(timeout=0.1)
    finally:
        release.set()
    assert dev.wait_idle()["in_flight"] == 0
    app.stop()


def test_a_real_clock_cannot_be_held_or_moved() -> None:
    with dev_server(port=0) as dev:
        assert dev.time()["clock"] == "real"
        for method, path, body in [
            ("POST", "hold", None),
            ("DELETE", "hold", None),
            ("POST", "advance", {"seconds": 1}),
            ("POST", "advance-to", {"time": "2099-01-01T00:00:00Z"}),
        ]:
            response = httpx.request(method, f"{dev.url}/sim/time/{path}", json=body)
            assert response.status_code == 409, (path, response.text)
            assert "runs on the real clock; start it with --clock virtual" in response.text


def test_an_event_ts_is_read_on_its_senders_clock(dev: DevServerClient, shop: App) -> None:
    # The server's virtual time started months before the real now; the SDK stamps `ts`
    # from the real clock. "Now" stays now (the run starts at once) and "in an hour" stays
    # an hour away (executor.go schedules a run for a future ts).
    now = dt.datetime.fromisoformat(dev.time()["now"])
    real_ms = int(time.time() * 1000)
    soon = {"name": "shop/order.placed", "data": {"order_id": "o-4", "items": []}}
    later = {**soon, "data": {"order_id": "o-5", "items": []}, "ts": real_ms + 3_600_000}
    sent = httpx.post(f"{dev.url}/e/key", json=[{**soon, "ts": real_ms}, later])
    first, second = sent.json()["ids"]
    state = dev.wait_idle()

    def status(event_id: str) -> str:
        (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
        return str(run["status"])

    assert status(first) == "RUNNING"  # started at once, now waiting for the shipment
    assert status(second) == "QUEUED"
    due = dt.datetime.fromisoformat(state["next_timer"])
    assert abs((due - now) - dt.timedelta(hours=1)) < dt.timedelta(seconds=5)


def test_a_sender_that_follows_virtual_time_is_not_moved_twice() -> None:
    # Virtual time starts at the real now and moves two days ahead of it; a client in this
    # process follows it, so its events' ts are virtual already: the run starts at once.
    with dev_server(port=0, args=["--clock", "virtual", "--hold-time"]) as dev:
        app = App(dev, "ahead")

        @app.client.create_function(fn_id="hello", trigger=inngest.TriggerEvent(event="a/hi"))
        def hello(ctx: inngest.ContextSync) -> str:
            return "hi"

        app.functions = [hello]
        app.serve()
        app.sync()
        try:
            dev.advance(2 * DAY)
            with dev.follow_time():
                (event_id,) = app.client.send_sync(inngest.Event(name="a/hi"))
            dev.wait_idle()
            (run,) = httpx.get(f"{dev.url}/v1/events/{event_id}/runs").json()["data"]
            assert run["status"] == "COMPLETED"
        finally:
            app.stop()
