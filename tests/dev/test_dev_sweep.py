"""A bounded sweep of hostile requests over every route of ``inngest-sim dev``: bodies,
query strings, headers and encodings. No answer is a 500, nothing hangs, and afterwards
every read still answers (nothing accepted poisons a later request)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inngest_sim.dev import DevServerClient, dev_server
from tests.dev.test_dev_door import registration

# Every route the dev server serves (_dev/http.py, _dev/time_api.py, _server/api.py), with
# {id} where a path parameter goes.
ROUTES = [
    ("GET", "/"),
    ("POST", "/v0/gql"),
    ("POST", "/v0/connect/start"),
    ("GET", "/v1/events"),
    ("GET", "/v1/events/{id}/runs"),
    ("GET", "/v1/runs/{id}"),
    ("GET", "/dev"),
    ("GET", "/sim/runs"),
    ("GET", "/sim/runs/{id}"),
    ("GET", "/sim/runs/{id}/trace"),
    ("GET", "/sim/runs/{id}/report"),
    ("GET", "/sim/queue"),
    ("DELETE", "/sim/queue"),
    ("POST", "/sim/queue/drain"),
    ("GET", "/sim/events"),
    ("POST", "/sim/apps"),
    ("GET", "/sim/time"),
    ("POST", "/sim/time/hold"),
    ("DELETE", "/sim/time/hold"),
    ("POST", "/sim/time/advance"),
    ("POST", "/sim/time/advance-to"),
    ("GET", "/sim/idle"),
    ("POST", "/fn/register"),
    ("POST", "/e/{id}"),
    ("GET", "/v0/runs/{id}/batch"),
    ("GET", "/v0/runs/{id}/actions"),
    ("POST", "/v1/realtime/publish"),
    ("POST", "/v1/signals"),
    ("POST", "/v1/runs/{id}/metadata"),
    ("POST", "/v1/checkpoint/{id}/async"),
    ("POST", "/v1/http/runs/{id}/async"),
    ("GET", "/sim/runs/{id}/history"),
    ("GET", "/api/v2/health"),
    ("GET", "/api/v2/apps"),
    ("GET", "/api/v2/apps/{id}"),
    ("GET", "/api/v2/apps/{id}/functions"),
    ("GET", "/api/v2/apps/sweep-app/functions/{id}"),
    ("GET", "/api/v2/apps/sweep-app/functions/{id}/runs"),
    ("POST", "/api/v2/apps/sweep-app/functions/{id}/invoke"),
    ("POST", "/api/v2/apps/sweep-app/functions/sweep-app-f/invoke"),
    ("GET", "/api/v2/runs"),
    ("GET", "/api/v2/runs/{id}"),
    ("GET", "/api/v2/runs/{id}/trace"),
    ("POST", "/api/v2/runs/{id}/cancel"),
    ("POST", "/api/v2/runs/{id}/rerun"),
    ("POST", "/api/v2/events"),
    ("GET", "/api/v2/events/{id}/runs"),
    ("POST", "/mcp"),
    ("GET", "/mcp"),
    ("PUT", "/fn/register"),  # a method no route takes
    ("GET", "/no/such/route"),
]

HOSTILE_TEXT = [
    "",
    "x",
    "%00",
    "%ff%fe",
    "..%2f..%2fetc",
    "%F0%9F%98%80",
    "a" * 3000,
    "nan",
    "inf",
    "-1",
    "1e999",
    "9" * 5000,
    "http://169.254.169.254/latest",
    "javascript:alert(1)",
    "01JAAAAAAAAAAAAAAAAAAAAAAA",
]

HOSTILE_JSON = [
    b'{"x": NaN}',
    b"[Infinity, -Infinity]",
    b'{"ts": 1e999, "name": "e"}',
    b'"\\ud800"',
    b'{"\\udfff": 1}',
    b"[" * 1000 + b"]" * 1000,
    b'{"a":' * 600 + b"1" + b"}" * 600,
    b"9" * 5000,
    b"{",
    b"null",
    b"[]",
    b'[null, 1, "x"]',
    b'{"name": 5}',
    b'{"name": "e", "data": [1]}',
    b'{"query": 5, "variables": "x"}',
    b'{"query": "{ run(runID: \\"x\\") { id } }", "variables": []}',
    b'{"signal": {}, "data": NaN}',
    b'{"time": 5}',
    b'{"seconds": 1e308}',
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _encoded(value: Any, encoding: str) -> bytes:
    return json.dumps(value, allow_nan=True).encode(encoding, "surrogatepass")


def _shaped(change: dict[str, Any]) -> dict[str, Any]:
    payload = registration("sweep-app")
    payload["functions"][0].update(change)
    return payload


bodies = st.one_of(
    st.sampled_from(HOSTILE_JSON),
    st.binary(max_size=64),
    st.builds(_encoded, json_values, st.sampled_from(["utf-8", "utf-16", "utf-32"])),
    st.builds(
        lambda data, ts: _encoded({"name": "sweep/e", "data": data, "ts": ts}, "utf-8"),
        json_values,
        json_values,
    ),
    st.builds(
        lambda key, value: _encoded(_shaped({key: value}), "utf-8"),
        st.sampled_from(["id", "triggers", "steps", "cancel", "concurrency", "batchEvents"]),
        json_values,
    ),
)

headers = st.fixed_dictionaries(
    {},
    optional={
        "content-type": st.sampled_from(
            [
                "application/json",
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/json; charset=latin-1",
                "*/*;;;=",
            ]
        ),
        "content-encoding": st.sampled_from(["gzip", "br", "identity"]),
        "x-inngest-event-id-seed": st.sampled_from(HOSTILE_TEXT),
        "x-inngest-signature": st.sampled_from(HOSTILE_TEXT),
        "accept": st.sampled_from(["*/*", "text/html", "application/xml"]),
    },
)

queries = st.dictionaries(
    st.sampled_from(
        ["wait", "timeout", "until", "name", "url", "channel", "topic", "fnId", "limit", "cursor"]
    ),
    st.sampled_from(HOSTILE_TEXT),
    max_size=3,
)


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerClient]:
    with dev_server(port=0, set_env=False) as client:
        yield client


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=20) as client:
        yield client


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    path_id=st.sampled_from(HOSTILE_TEXT[1:]),
    body=bodies,
    query=queries,
    header_values=headers,
)
def test_no_hostile_request_gets_a_500_or_poisons_a_later_read(
    dev: DevServerClient,
    http: httpx.Client,
    route: tuple[str, str],
    path_id: str,
    body: bytes,
    query: dict[str, str],
    header_values: dict[str, str],
) -> None:
    method, path = route
    url = dev.url + path.replace("{id}", path_id)
    # Waits a request may ask for are kept short: the sweep is about answers, not waiting.
    query = {k: ("0.01" if k in ("wait", "timeout") else v) for k, v in query.items()}
    response = http.request(
        method,
        url,
        params=query,
        content=body if method in ("POST", "PUT", "DELETE") else None,
        headers=header_values,
    )
    assert response.status_code < 500 or _the_servers_own_500(path, response), (
        method,
        url,
        response.status_code,
        response.text[:300],
    )
    for read in ("/sim/events", "/v1/events", "/sim/runs", "/dev"):
        after = http.get(dev.url + read)
        assert after.status_code == 200, (read, after.text[:300])


def _the_servers_own_500(path: str, response: httpx.Response) -> bool:
    """The one 500 that is the Inngest server's own answer, kept for fidelity: a signal
    with no name (Go's ResumeSignal refuses it and ``apiv1/signals.go`` answers 500), so
    an SDK that reads the status meets what it would meet on Inngest."""
    return (
        path == "/v1/signals"
        and response.status_code == 500
        and response.json() == {"error": "Failed to receive signal", "data": None, "status": 500}
    )
