"""REST API v2 (``/api/v2``) on ``inngest-sim dev``, called as the ``inngest api`` command
line calls it (``cmd/apiv2cli/cmd.go``: JSON bodies, ``Accept: application/json``, camelCase
``includeOutput``). The expected shapes were recorded from the Go dev server
(``pkg/api/v2/endpoints_runs.go``, ``endpoints_event.go``, ``endpoints_app.go``) running
the same app; where the simulator differs, the test says so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from inngest_sim.dev import DevServerClient
from tests.dev.test_dev_server import App

HEADERS = {"Accept": "application/json", "User-Agent": "inngest-cli/test"}


def api(held_dev: DevServerClient, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{held_dev.url}/api/v2{path}", headers=HEADERS, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) <= {"data", "metadata", "page"}
    assert body["metadata"]["fetchedAt"].endswith("Z")
    return body.get("data")


def send(held_dev: DevServerClient, name: str, data: dict[str, Any]) -> str:
    sent = ok(api(held_dev, "POST", "/events", json={"name": name, "data": data}))
    assert set(sent) == {"eventId"}
    return str(sent["eventId"])


def only_run(held_dev: DevServerClient, event_id: str) -> dict[str, Any]:
    (run,) = ok(api(held_dev, "GET", f"/events/{event_id}/runs"))
    return dict(run)


def test_health_apps_and_functions(held_dev: DevServerClient, shop: App) -> None:
    assert ok(api(held_dev, "GET", "/health")) == {"status": "ok"}
    (app,) = ok(api(held_dev, "GET", "/apps"))
    assert {k: app[k] for k in ("id", "name", "functionCount", "method")} == {
        "id": "shop",
        "name": "shop",
        "functionCount": 2,
        "method": "SERVE",
    }
    assert app["latestSync"]["sdkLanguage"] == "py"
    assert ok(api(held_dev, "GET", "/apps/shop"))["id"] == "shop"
    functions = ok(api(held_dev, "GET", "/apps/shop/functions"))
    # Go names a function by its id within the app ("fulfil", not "shop-fulfil").
    assert [(f["id"], f["slug"], f["triggers"]) for f in functions] == [
        ("charge", "charge", [{"type": "EVENT", "value": "shop/charge"}]),
        ("fulfil", "fulfil", [{"type": "EVENT", "value": "shop/order.placed"}]),
    ]
    assert ok(api(held_dev, "GET", "/apps/shop/functions/fulfil"))["app"] == {"id": "shop"}


def test_a_run_its_trace_with_step_outputs_and_its_end(
    held_dev: DevServerClient, shop: App
) -> None:
    event_id = send(held_dev, "shop/order.placed", {"order": 1})
    held_dev.wait_idle()
    run = only_run(held_dev, event_id)
    assert run["status"] == "RUNNING"
    assert run["function"] == {"id": "fulfil", "name": "fulfil"}
    assert run["trigger"] == {"eventIds": [event_id]}
    params = {"includeOutput": "true"}
    trace = ok(api(held_dev, "GET", f"/runs/{run['id']}/trace", params=params))
    assert trace["runId"] == run["id"]
    root = trace["rootSpan"]
    assert (root["name"], root["status"]) == ("Run", "RUNNING")
    assert root["input"]["data"][0]["data"] == {"order": 1}
    steps = [(c["name"], c["stepOp"], c["status"], c.get("output")) for c in root["children"]]
    # A scalar output is wrapped in {"data": ...}, an object shown as it is (a Struct).
    assert steps == [
        ("reserve", "RUN", "COMPLETED", {"data": "held"}),
        ("pack", "RUN", "COMPLETED", {"box": 1}),
        ("await-shipment", "WAIT_FOR_EVENT", "WAITING", None),
    ]
    assert all(len(c["stepId"]) == 40 for c in root["children"])  # the SHA-1 step ids

    send(held_dev, "shop/order.shipped", {})
    held_dev.wait_idle()
    done = ok(api(held_dev, "GET", f"/runs/{run['id']}", params=params))
    assert done["status"] == "COMPLETED"
    assert done["output"] == {"a": "held", "b": {"box": 1}, "p": {"charged": 5, "ok": True}}
    assert {"startedAt", "endedAt", "durationMs"} <= set(done)
    trace = ok(api(held_dev, "GET", f"/runs/{run['id']}/trace", params=params))
    names = [(c["name"], c.get("stepOp")) for c in trace["rootSpan"]["children"]]
    assert names[-2:] == [("pay", "INVOKE"), ("Finalization", None)]
    assert trace["rootSpan"]["output"] == done["output"]
    without = ok(api(held_dev, "GET", f"/runs/{run['id']}"))
    assert "output" not in without  # only with includeOutput


def test_cancel_rerun_and_invoke(held_dev: DevServerClient, shop: App) -> None:
    run = only_run(held_dev, send(held_dev, "shop/order.placed", {"order": 2}))
    held_dev.wait_idle()
    assert ok(api(held_dev, "POST", f"/runs/{run['id']}/cancel")) == {"runId": run["id"]}
    assert ok(api(held_dev, "GET", f"/runs/{run['id']}"))["status"] == "CANCELLED"
    again = api(held_dev, "POST", f"/runs/{run['id']}/cancel")
    assert again.status_code == 409
    assert again.json() == {
        "errors": [{"code": "run_already_cancelled", "message": "Run is already cancelled"}]
    }

    rerun = ok(api(held_dev, "POST", f"/runs/{run['id']}/rerun", json={}))
    assert rerun["runId"] != run["id"]
    fresh = ok(api(held_dev, "GET", f"/runs/{rerun['runId']}"))
    assert fresh["trigger"] == run["trigger"]  # the same event, a new run

    # From a step (reconstruct.go): what the run saved before "pack" is the new run's memo,
    # so "reserve" does not run again (no attempt: no start time), "pack" does.
    body = {"fromStep": {"stepId": "pack"}}
    again_from = ok(api(held_dev, "POST", f"/runs/{run['id']}/rerun", json=body))
    held_dev.wait_idle()
    params = {"includeOutput": "true"}
    trace = ok(api(held_dev, "GET", f"/runs/{again_from['runId']}/trace", params=params))
    steps = {c["name"]: c for c in trace["rootSpan"]["children"]}
    assert (steps["reserve"]["status"], steps["reserve"]["output"]) == (
        "COMPLETED",
        {"data": "held"},
    )
    assert "startedAt" not in steps["reserve"]
    assert "startedAt" in steps["pack"]
    assert steps["await-shipment"]["status"] == "WAITING"
    for step, status, code, message in [
        ({"stepId": "nope"}, 400, "invalid_request", "Step not found in original run"),
        ({"stepId": ""}, 400, "missing_field", "Step ID is required"),
        ({"stepId": "pack", "input": [1]}, 501, "not_implemented", "replacement input"),
        ({"step": "pack"}, 400, "invalid_field_format", "fromStep is"),
    ]:
        refused = api(held_dev, "POST", f"/runs/{run['id']}/rerun", json={"fromStep": step})
        assert refused.status_code == status, refused.text
        (error,) = refused.json()["errors"]
        assert error["code"] == code
        assert message in error["message"]

    invoked = ok(
        api(held_dev, "POST", "/apps/shop/functions/charge/invoke", json={"data": {"amount": 3}})
    )
    held_dev.wait_idle()
    charged = ok(
        api(held_dev, "GET", f"/runs/{invoked['runId']}", params={"includeOutput": "true"})
    )
    assert (charged["status"], charged["output"]) == ("COMPLETED", {"charged": 3, "ok": True})
    mine = ok(api(held_dev, "GET", "/apps/shop/functions/charge/runs"))
    assert invoked["runId"] in [r["id"] for r in mine]
    ended = api(held_dev, "POST", f"/runs/{invoked['runId']}/cancel")
    assert ended.status_code == 409
    assert ended.json()["errors"] == [
        {"code": "run_already_ended", "message": "Cannot cancel an ended run"}
    ]


def test_runs_are_listed_newest_first_a_page_at_a_time(
    held_dev: DevServerClient, shop: App
) -> None:
    for n in range(3):
        send(held_dev, "shop/charge", {"amount": n})
    held_dev.wait_idle()
    first = api(
        held_dev, "GET", "/runs", params={"limit": "2", "app_id": "shop", "function_id": "charge"}
    ).json()
    assert first["page"]["limit"] == 2
    assert first["page"]["hasMore"] is True
    assert [r["function"]["id"] for r in first["data"]] == ["charge", "charge"]
    cursor = first["page"]["cursor"]
    rest = ok(
        api(
            held_dev,
            "GET",
            "/runs",
            params={"app_id": "shop", "function_id": "charge", "cursor": cursor},
        )
    )
    charges = ok(
        api(
            held_dev,
            "GET",
            "/runs",
            params={"limit": "100", "app_id": "shop", "function_id": "charge"},
        )
    )
    assert [r["id"] for r in first["data"] + rest] == [r["id"] for r in charges]
    camel = ok(api(held_dev, "GET", "/runs", params={"appId": "shop", "functionId": "charge"}))
    assert [r["id"] for r in camel] == [r["id"] for r in charges]  # as the CLI sends them
    queued = [dt.datetime.fromisoformat(r["queuedAt"]) for r in charges]
    assert queued == sorted(queued, reverse=True)
    completed = ok(api(held_dev, "GET", "/runs", params={"status": "COMPLETED", "limit": "100"}))
    assert {r["id"] for r in charges} <= {r["id"] for r in completed}
    assert {r["status"] for r in completed} == {"COMPLETED"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "message"),
    [
        ("GET", "/runs/xyz", None, 400, "invalid_field_format", "Run ID must be a valid ULID"),
        ("GET", "/runs/01M967D66SK2E00Z6K5HD2VXBA", None, 404, "not_found", "Run not found"),
        ("GET", "/runs?limit=0", None, 400, "invalid_field_format", "limit must be a number"),
        ("GET", "/runs?cursor=zzz", None, 400, "invalid_field_format", "cursor is not one"),
        ("GET", "/runs?function_id=a", None, 400, "invalid_field_format", "appId is required"),
        ("GET", "/runs?functionId=a", None, 400, "invalid_field_format", "appId is required"),
        ("POST", "/events", b'{"data": {}}', 400, "missing_field", "Event name is required"),
        ("POST", "/events", b'{"name": "a/b", "data": 3}', 400, "invalid_field_format", "data"),
        ("POST", "/events", b'{"name": "a/b", "bogus": 1}', 400, "validation_error", "'bogus'"),
        ("POST", "/events", b'{"name": ', 400, "validation_error", "not JSON"),
        # The Event API's checks, one for every door (not compared with Go's REST v2).
        ("POST", "/events", b'{"name": "inngest/x"}', 400, "invalid_request", "is reserved"),
        (
            "POST",
            "/events",
            b'{"name": "a", "data": {"n": 1e400}}',
            400,
            "validation_error",
            "64-bit float",
        ),
        (
            "POST",
            "/apps/shop/functions/charge/invoke",
            b'{"data": {"n": -1e999}}',
            400,
            "validation_error",
            "64",
        ),
        ("POST", "/apps/shop/functions/nope/invoke", b"{}", 404, "not_found", "Function not"),
        ("GET", "/apps/nope", None, 404, "not_found", "App not found: nope"),
        ("GET", "/events/xyz/runs", None, 400, "invalid_field_format", "Event ID must be"),
        ("GET", "/sandboxes", None, 501, "not_implemented", "does not serve Inngest's sandboxes"),
        ("POST", "/runs/01M967D66SK2E00Z6K5HD2VXBA/scores", b"{}", 501, "not_implemented", ""),
        ("GET", "/nope", None, 404, "api_error", "is not a REST API v2 route inngest-sim dev"),
    ],
)
def test_bad_requests_answer_with_the_servers_error_shape(
    held_dev: DevServerClient,
    shop: App,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
    code: str,
    message: str,
) -> None:
    response = api(held_dev, method, path, content=body)
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == code
    assert message in error["message"]


def test_an_unknown_event_has_no_runs_as_on_the_go_server(held_dev: DevServerClient) -> None:
    # endpoints_event.go answers 200 with no data (protojson leaves the empty list out).
    body = api(held_dev, "GET", "/events/01M967D66SK2E00Z6K5HD2VXBA/runs").json()
    assert "data" not in body
    assert body["page"] == {"limit": 20}


def test_an_oversized_body_is_a_413(held_dev: DevServerClient) -> None:
    response = api(held_dev, "POST", "/events", content=b" " * (300 * 1024))
    assert response.status_code == 413
    assert "takes at most" in response.json()["errors"][0]["message"]
