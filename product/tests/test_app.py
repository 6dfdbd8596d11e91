"""The served app: Inngest's endpoint in production mode, and the realtime token route."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import inngest
import jwt
import pytest
import respx

from inngest_sim import Simulator
from pipelines import Services, create_sample_lecture
from pipelines._auth import AUTH_SECRET_VAR, default_authenticator
from pipelines.app import create_app

SIGNING_KEY = "signkey-prod-" + "ab12" * 16
API = "https://api.inngest.test"
JWT_SECRET = "session-secret-for-tests-0123456789"
DATA = {"lecture_id": "sample-lecture", "user_id": "demo-user"}


def _client(*, production: bool) -> inngest.Inngest:
    if not production:
        return inngest.Inngest(app_id="lecture-media", is_production=False, api_base_url=API)
    return inngest.Inngest(
        app_id="lecture-media",
        is_production=True,
        signing_key=SIGNING_KEY,
        event_key="event-key-for-tests",
        api_base_url=API,
    )


@pytest.fixture
def services(tmp_path: Path) -> Services:
    services = Services.local(tmp_path / "data", chunk_size=3)
    create_sample_lecture(services.store, segments=2)
    return services


async def test_production_mode_serves_only_signed_requests(services: Services) -> None:
    client = _client(production=True)
    app = create_app(client, services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app.test"
    ) as http:
        inspected = await http.get("/api/inngest")
        called = await http.post("/api/inngest?fnId=lecture-media-generate-music&stepId=step")
    # An unsigned request runs nothing and learns nothing.
    assert (inspected.status_code, called.status_code) == (401, 401)

    # The simulator signs its requests with the client's key, as Inngest Cloud does.
    async with Simulator.from_app(app, client=client) as sim:
        run = await sim.run("generate-segment-images", data=DATA)
        published = sim.published
    assert run.status == "Completed", run.error
    assert run.output["generated"] == 4
    assert [m["data"]["status"] for m in published][-1] == "completed"


def _token(user: str, *, secret: str = JWT_SECRET, expires_in: float = 300) -> str:
    claims = {"sub": user, "exp": int(time.time() + expires_in)}
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture
async def production_http(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        _client(production=True),
        services,
        authenticate=default_authenticator({AUTH_SECRET_VAR: JWT_SECRET}, is_production=True),
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app.test"
    ) as http:
        yield http


@respx.mock
async def test_the_owner_gets_a_subscription_token(production_http: httpx.AsyncClient) -> None:
    inngest_api = respx.post(f"{API}/v1/realtime/token").respond(json={"jwt": "rt-jwt"})

    response = await production_http.post(
        "/api/lectures/sample-lecture/realtime-token",
        headers={"Authorization": f"Bearer {_token('demo-user')}"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "channel": "lecture:sample-lecture",
        "topics": ["images", "narration", "music", "videos"],
        "key": "rt-jwt",
    }
    request = inngest_api.calls.last.request
    # The SDK authenticates to Inngest with the hashed signing key, never the key itself.
    assert request.headers["authorization"].startswith("Bearer ")
    assert SIGNING_KEY not in request.headers["authorization"]
    assert [t["channel"] for t in json.loads(request.content)] == ["lecture:sample-lecture"] * 4


def _bearer(user: str, **token: Any) -> Callable[[], dict[str, str]]:
    # Minted when the test runs, not when it is collected: a token made at collection
    # expires before its test runs on a slow machine (a 20-minute suite outlives 300 s).
    return lambda: {"Authorization": f"Bearer {_token(user, **token)}"}


@respx.mock
@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        (dict, 401, "send Authorization: Bearer"),
        (lambda: {"Authorization": "Bearer not-a-jwt"}, 401, "session token was refused"),
        (_bearer("demo-user", secret="x" * 32), 401, "refused"),
        (_bearer("demo-user", expires_in=-3600), 401, "expired"),
        (lambda: {"X-User-Id": "demo-user"}, 401, "send Authorization"),  # no header trust
        (_bearer("mallory"), 404, "belongs to this user"),
    ],
    ids=["none", "not-a-jwt", "wrong-secret", "expired", "user-header", "other-user"],
)
async def test_everyone_else_is_refused_before_inngest_is_asked(
    production_http: httpx.AsyncClient,
    headers: Callable[[], dict[str, str]],
    status: int,
    detail: str,
) -> None:
    inngest_api = respx.post(f"{API}/v1/realtime/token").respond(json={"jwt": "rt-jwt"})

    response = await production_http.post(
        "/api/lectures/sample-lecture/realtime-token", headers=headers()
    )

    assert response.status_code == status
    assert detail in response.json()["detail"]
    assert not inngest_api.called


@respx.mock
async def test_unknown_and_malformed_lectures(production_http: httpx.AsyncClient) -> None:
    respx.post(f"{API}/v1/realtime/token").respond(json={"jwt": "rt-jwt"})
    auth = {"Authorization": f"Bearer {_token('demo-user')}"}
    unknown = await production_http.post("/api/lectures/nope/realtime-token", headers=auth)
    assert unknown.status_code == 404
    bad = await production_http.post("/api/lectures/a..b/realtime-token", headers=auth)
    assert bad.status_code == 400
    assert "is not valid" in bad.json()["detail"]


@respx.mock
async def test_dev_mode_trusts_the_user_header_and_production_needs_a_secret(
    services: Services,
) -> None:
    respx.post(f"{API}/v1/realtime/token").respond(json={"jwt": "dev-jwt"})
    dev = create_app(_client(production=False), services, authenticate=None)
    prod = create_app(
        _client(production=True),
        services,
        authenticate=default_authenticator({}, is_production=True),
    )
    url = "/api/lectures/sample-lecture/realtime-token"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=dev), base_url="http://app.test"
    ) as http:
        assert (await http.post(url, headers={"X-User-Id": "demo-user"})).json()["key"] == "dev-jwt"
        assert (await http.post(url)).status_code == 401
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=prod), base_url="http://app.test"
    ) as http:
        refused = await http.post(url, headers={"X-User-Id": "demo-user"})
    assert refused.status_code == 503
    assert AUTH_SECRET_VAR in refused.json()["detail"]
