"""``inngest-sim dev`` refuses at the door what a later read could not serve: each a 400 that
names the problem, and the server goes on answering everyone afterwards."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from inngest_sim._server.door import MAX_DEPTH, BadBody, read_json
from inngest_sim.dev import DevServerClient, dev_server

APP_URL = "http://127.0.0.1:9/api/inngest"  # nothing answers there; nothing is run


def registration(app: str = "door-app", url: str = APP_URL) -> dict[str, Any]:
    fn_url = f"{url}?fnId={app}-f&stepId=step"
    return {
        "url": url,
        "appName": app,
        "sdk": "py:v0.5",
        "functions": [
            {
                "id": f"{app}-f",
                "name": "f",
                "triggers": [{"event": f"{app}/go"}],
                "steps": {
                    "step": {
                        "id": "step",
                        "name": "step",
                        "runtime": {"type": "http", "url": fn_url},
                        "retries": {"attempts": 0},
                    }
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerClient]:
    with dev_server(port=0, set_env=False) as client:
        yield client


def reads_still_work(dev: DevServerClient) -> None:
    for path in ("/sim/events", "/v1/events", "/sim/runs", "/dev", "/"):
        assert httpx.get(f"{dev.url}{path}").status_code == 200, path
    sent = httpx.post(f"{dev.url}/e/key", json={"name": "door/after", "data": {"ok": 1}})
    assert sent.status_code == 200, sent.text


HOSTILE_EVENTS = {
    "NaN in data": (b'{"name": "e", "data": {"x": NaN}}', "NaN is not a JSON number"),
    "Infinity in data": (b'{"name": "e", "data": {"x": Infinity}}', "Infinity is not a JSON"),
    "-Infinity ts": (b'{"name": "e", "ts": -Infinity}', "-Infinity is not a JSON number"),
    # Seen on the Go server: "json: cannot unmarshal number 1e999 into Go struct field
    # raw.ts of type int64" (pkg/api/api.go reads each event into its raw struct).
    "1e999 ts": (b'{"name": "e", "ts": 1e999}', "number 1e999 into Go struct field raw.ts"),
    "lone surrogate": (b'{"name": "e", "data": {"s": "\\ud800"}}', "'data'.'s' has a lone"),
    "lone surrogate key": (b'{"name": "e", "data": {"\\udc00": 1}}', "a key in 'data' has"),
    "not UTF-8": (b'{"name": "e", "data": {"s": "\xff"}}', "is not UTF-8: byte 0xff"),
    "UTF-16": ('{"name": "e"}'.encode("utf-16"), "is not UTF-8"),
    "5,000-digit integer": (
        b'{"name": "e", "data": {"n": ' + b"9" * 5000 + b"}}",
        "(5000 digits) into Go struct field raw.data of type float64",
    ),
    "nested 1,000 deep": (
        b'{"name": "e", "data": {"x": ' + b"[" * 1000 + b"]" * 1000 + b"}}",
        f"deeper than {MAX_DEPTH}",
    ),
    "ts a float": (b'{"name": "e", "ts": 1.5}', "ts must be whole milliseconds"),
    "ts a string": (b'{"name": "e", "ts": "now"}', "ts must be whole milliseconds"),
    "ts before 1980": (b'{"name": "e", "ts": 1000}', "outside Jan 1, 1980"),
    "id a number": (b'{"name": "e", "id": 5}', "id must be a string"),
    "user a list": (b'{"name": "e", "user": []}', "user must be an object"),
    "name a number": (b'{"name": 5}', "has no name"),
}


@pytest.mark.parametrize(("body", "expected"), HOSTILE_EVENTS.values(), ids=HOSTILE_EVENTS.keys())
def test_the_event_api_refuses_what_it_could_not_serve_back(
    dev: DevServerClient, body: bytes, expected: str
) -> None:
    response = httpx.post(
        f"{dev.url}/e/key", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]
    assert not any(response.json()["ids"])  # no event got an id: none was taken
    reads_still_work(dev)


def shape(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    payload = registration()
    change(payload["functions"][0])
    return payload


def _retries(value: object) -> Callable[[dict[str, Any]], None]:
    return lambda fn: fn["steps"]["step"]["retries"].update(attempts=value)


BAD_REGISTRATIONS = {
    "triggers a string": (
        shape(lambda fn: fn.update(triggers="door-app/go")),
        "functions[0].triggers: Input should be a valid list",
    ),
    "steps a list": (
        shape(lambda fn: fn.update(steps=[])),
        "functions[0].steps: Input should be a valid dictionary",
    ),
    "retries 'abc'": (
        shape(_retries("abc")),
        "steps.step.retries.attempts: Input should be a valid integer",
    ),
    "retries negative": (shape(_retries(-5)), "greater than or equal to 0 (got -5)"),
    # pkg/sdk/function.go reads these into Go ints. Seen: 400 "Invalid request: json: cannot
    # unmarshal number 1000000000000000000000000000000 into Go struct field
    # StepRetries.functions.steps.retries.attempts of type int" (and 2**63 the same).
    "retries past int64": (
        shape(_retries(2**63)),
        "cannot unmarshal number 9223372036854775808 into a Go int at "
        "functions[0].steps.step.retries.attempts",
    ),
    # Seen: "... into Go struct field SDKFunction.functions.concurrency.limit of type int".
    "a concurrency limit past int64": (
        shape(lambda fn: fn.update(concurrency=[{"limit": 10**30}])),
        "at functions[0].concurrency[0].limit",
    ),
    "a numeric event name": (
        shape(lambda fn: fn["triggers"][0].update(event=5)),
        "triggers[0].event: Input should be a valid string",
    ),
    "an empty function id": (
        shape(lambda fn: fn.update(id="")),
        "functions[0].id: String should have at least 1 character",
    ),
    "a bad cron": (
        shape(lambda fn: fn.update(triggers=[{"cron": "not a cron"}])),
        "'not a cron' isn't a valid cron schedule",
    ),
    # Seen: "Cancellation expression is invalid: validation failed: ... function calls are
    # disallowed (uses 'matches')" (pkg/inngest/function.go, the restrictive policy).
    "a cancel if calling matches": (
        shape(
            lambda fn: fn.update(cancel=[{"event": "door/stop", "if": 'async.data.s.matches("a")'}])
        ),
        "function calls are disallowed (uses 'matches')",
    ),
    "a trigger with neither event nor cron": (
        shape(lambda fn: fn.update(triggers=[{"expression": "true"}])),
        "exactly one of them",
    ),
    "functions an object": (
        {**registration(), "functions": {}},
        "functions: Input should be a valid list",
    ),
}


@pytest.mark.parametrize(
    ("payload", "expected"), BAD_REGISTRATIONS.values(), ids=BAD_REGISTRATIONS.keys()
)
def test_a_registration_the_server_would_refuse_is_a_400_naming_it(
    dev: DevServerClient, payload: dict[str, Any], expected: str
) -> None:
    response = httpx.post(f"{dev.url}/fn/register", json=payload)
    assert response.status_code == 400, response.text
    assert expected in response.json()["error"]
    assert "door-app" not in str(httpx.get(f"{dev.url}/dev").json()["apps"])
    reads_still_work(dev)


def test_a_good_registration_is_still_taken(dev: DevServerClient) -> None:
    payload = copy.deepcopy(registration("door-good"))
    response = httpx.post(f"{dev.url}/fn/register", json=payload)
    assert response.status_code == 200, response.text
    apps = {a["id"]: a for a in httpx.get(f"{dev.url}/dev").json()["apps"]}
    assert apps["door-good"]["functions"] == ["door-good-f"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"query": NaN}', b"\xff\xfe", b"[" * 2000],
    ids=["broken", "NaN", "not UTF-8", "deep"],
)
def test_graphql_refuses_a_body_it_cannot_read_with_a_400(
    dev: DevServerClient, body: bytes
) -> None:
    response = httpx.post(
        f"{dev.url}/v0/gql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("the GraphQL request")


def test_read_json_takes_what_json_can_write_back() -> None:
    value = read_json('{"a": [1, -2.5e10, "é😀", null, true], "b": {}}'.encode(), "x")
    assert value == {"a": [1, -2.5e10, "é😀", None, True], "b": {}}
    assert read_json(b"  ", "x", empty={}) == {}
    assert read_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, "x") is not None
    with pytest.raises(BadBody, match=f"deeper than {MAX_DEPTH}"):
        read_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "x")
    # The bound is the float64 range (Go's strconv.ParseFloat), not a digit count.
    assert read_json(b"1" + b"0" * 308, "x") == 10**308
    with pytest.raises(BadBody, match="beyond a 64-bit float"):
        read_json(b"9" * 309, "x")


def test_a_graphql_query_of_thousands_of_aliases_is_refused_before_it_is_validated(
    dev: DevServerClient,
) -> None:
    aliases = " ".join(f'a{i}: run(runID: "x") {{ id }}' for i in range(4000))
    response = httpx.post(f"{dev.url}/v0/gql", json={"query": f"query {{ {aliases} }}"})
    (error,) = response.json()["errors"]
    assert "more than 2000 tokens" in error["message"]
    assert "fewer fields or aliases" in error["message"]
    few = " ".join(f'a{i}: run(runID: "x") {{ id }}' for i in range(3))
    answer = httpx.post(f"{dev.url}/v0/gql", json={"query": f"query {{ {few} }}"}).json()
    assert len(answer["errors"]) == 3  # each alias answered (no such run), none refused
    reads_still_work(dev)


def test_the_run_list_takes_a_limit_and_reads_it_from_an_index(dev: DevServerClient) -> None:
    payload = registration("door-list")
    assert httpx.post(f"{dev.url}/fn/register", json=payload).status_code == 200
    for n in range(3):
        httpx.post(f"{dev.url}/e/key", json={"name": "door-list/go", "data": {"n": n}})
    everything = httpx.get(f"{dev.url}/sim/runs").json()
    newest = httpx.get(f"{dev.url}/sim/runs", params={"limit": "2"}).json()
    assert newest["total"] == everything["total"] == len(everything["runs"]) >= 3
    assert [r["id"] for r in newest["runs"]] == [r["id"] for r in everything["runs"][-2:]]
    assert httpx.get(f"{dev.url}/sim/runs", params={"limit": "0"}).json()["runs"] == []
    bad = httpx.get(f"{dev.url}/sim/runs", params={"limit": "-1"})
    assert bad.status_code == 400
    assert "whole number of runs" in bad.json()["error"]
    (event,) = dev.events("door-list/go")[:1]
    runs = httpx.get(f"{dev.url}/v1/events/{event['id']}/runs").json()["data"]
    assert [r["functionID"] for r in runs] == ["door-list-f"]
