"""The MCP server at ``/mcp``, driven by the official MCP client's tool calls, with the tool
names, argument names and answers of the Go dev server's (``pkg/devserver/mcp.go``: tools
generated from REST API v2; an HTTP error is a tool error reading "REST API v2 returned
HTTP <status>: <body>"), recorded from a running one."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from inngest_sim.dev import DevServerClient
from tests.dev.test_dev_server import App

mcp = pytest.importorskip("mcp", reason="the [mcp] extra (in [all]) brings the MCP SDK")

# The Go dev server's tools that drive runs (its docs tools are answered as errors here).
INNGEST_TOOLS = {
    "health",
    "get_apps",
    "get_app",
    "list_functions",
    "get_function",
    "list_runs",
    "list_function_runs",
    "get_run",
    "get_run_trace",
    "get_event_runs",
    "rerun",
    "cancel_run",
    "invoke_function",
    "send_event",
    "grep_docs",
    "read_doc",
    "list_docs",
}


async def call(held_dev: DevServerClient, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """Each tool call's result, through one MCP client session."""
    async with mcp.Client(f"{held_dev.url}/mcp") as client:
        return [await client.call_tool(name, arguments) for name, arguments in calls]


def answer(result: Any) -> Any:
    assert not result.is_error, result.content
    structured = result.structured_content
    assert json.loads(result.content[0].text) == structured
    return structured


def error_text(result: Any) -> str:
    assert result.is_error
    return str(result.content[0].text)


async def test_the_tools_are_inngests(held_dev: DevServerClient) -> None:
    async with mcp.Client(f"{held_dev.url}/mcp") as client:
        listed = await client.list_tools()
    tools = {t.name: t for t in listed.tools}
    assert set(tools) == INNGEST_TOOLS
    schema = tools["get_run"].input_schema
    assert schema["required"] == ["runId"]
    assert set(schema["properties"]) == {"runId", "includeOutput"}
    assert set(tools["invoke_function"].input_schema["properties"]) == {
        "appId",
        "functionId",
        "data",
        "idempotencyKey",
    }


async def test_a_run_sent_inspected_cancelled_and_rerun(
    held_dev: DevServerClient, shop: App
) -> None:
    (sent,) = await call(held_dev, ("send_event", {"name": "shop/order.placed", "data": {"n": 1}}))
    sent = answer(sent)
    assert sent["status"] == "accepted"
    (run_id,) = sent["runIds"]
    held_dev.wait_idle()  # the run reserved, packed, and waits for the shipment (time is held)
    run, trace, by_event, functions = await call(
        held_dev,
        ("get_run", {"runId": run_id}),
        ("get_run_trace", {"runId": run_id, "includeOutput": True}),
        ("get_event_runs", {"eventId": sent["eventId"]}),
        ("list_functions", {"appId": "shop"}),
    )
    assert answer(run)["data"]["status"] == "RUNNING"
    children = answer(trace)["data"]["rootSpan"]["children"]
    assert [(c["name"], c.get("output")) for c in children] == [
        ("reserve", {"data": "held"}),
        ("pack", {"box": 1}),
        ("await-shipment", None),
    ]
    assert [r["id"] for r in answer(by_event)["data"]] == [run_id]
    assert [f["id"] for f in answer(functions)["data"]] == ["charge", "fulfil"]

    cancelled, again, rerun = await call(
        held_dev,
        ("cancel_run", {"runId": run_id}),
        ("cancel_run", {"runId": run_id}),
        ("rerun", {"runId": run_id}),
    )
    assert answer(cancelled)["data"] == {"runId": run_id}
    assert error_text(again).endswith(
        'REST API v2 returned HTTP 409: {"errors":[{"code":"run_already_cancelled",'
        '"message":"Run is already cancelled"}]}'
    )
    fresh = answer(rerun)["data"]["runId"]
    assert fresh != run_id


async def test_invoke_and_list_runs(held_dev: DevServerClient, shop: App) -> None:
    (invoked,) = await call(
        held_dev,
        ("invoke_function", {"appId": "shop", "functionId": "charge", "data": {"amount": 2}}),
    )
    run_id = answer(invoked)["data"]["runId"]
    held_dev.wait_idle()
    run, listed = await call(
        held_dev,
        ("get_run", {"runId": run_id, "includeOutput": True}),
        ("list_runs", {"appId": ["shop"], "functionId": ["charge"], "limit": 5}),
    )
    assert answer(run)["data"]["output"] == {"charged": 2, "ok": True}
    assert run_id in [r["id"] for r in answer(listed)["data"]]


async def test_errors_are_tool_errors_that_say_why(held_dev: DevServerClient) -> None:
    bad, unknown, docs, fn = await call(
        held_dev,
        ("get_run", {"runId": "nope"}),
        ("get_run", {"runId": "01M967D66SK2E00Z6K5HD2VXBA"}),
        ("grep_docs", {"pattern": "step.run"}),
        ("rerun", {"runId": "01M967D66SK2E00Z6K5HD2VXBA", "fromStep": {"stepId": "a"}}),
    )
    assert "HTTP 400" in error_text(bad)
    assert "Run ID must be a valid ULID" in error_text(bad)
    assert "HTTP 404" in error_text(unknown)
    assert "ships no Inngest documentation" in error_text(docs)
    assert "HTTP 404" in error_text(fn)


def test_malformed_oversized_and_streaming_requests_are_4xx(held_dev: DevServerClient) -> None:
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    garbage = httpx.post(f"{held_dev.url}/mcp", content=b"not json", headers=headers)
    assert garbage.status_code == 400
    assert garbage.json()["error"]["code"] == -32700  # JSON-RPC parse error
    big = httpx.post(f"{held_dev.url}/mcp", content=b" " * (5 * 1024 * 1024), headers=headers)
    assert big.status_code == 413
    stream = httpx.get(f"{held_dev.url}/mcp", timeout=5)
    assert stream.status_code == 405
    assert "opens no event stream" in stream.json()["error"]
