"""A web page cannot drive ``inngest-sim dev``: Host and Origin checks, JSON from browsers,
registrations that cannot take over another app, and apps on loopback unless allowed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from inngest_sim.dev import DevServerClient, dev_server
from tests.dev.test_dev_door import registration

EVENT = {"name": "guard/ping", "data": {}}


@pytest.fixture(scope="module")
def dev() -> Iterator[DevServerClient]:
    with dev_server(port=0, set_env=False) as client:
        yield client


def events_named(dev: DevServerClient, name: str) -> int:
    return len(httpx.get(f"{dev.url}/v1/events", params={"name": name}).json()["data"])


def test_a_host_that_is_not_loopback_is_refused(dev: DevServerClient) -> None:
    # A DNS-rebinding page's requests name its own host.
    response = httpx.get(f"{dev.url}/sim/runs", headers={"host": "attacker.example"})
    assert response.status_code == 403
    assert "Host 'attacker.example' is not this dev server's name" in response.json()["error"]
    assert "--allow-host" in response.json()["error"]


def test_loopback_names_are_served(dev: DevServerClient) -> None:
    port = dev.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "app.localhost"):
        assert httpx.get(f"{dev.url}/dev", headers={"host": host}).status_code == 200, host


def test_a_configured_host_is_served() -> None:
    with dev_server(port=0, set_env=False, args=["--allow-host", "ci-box.internal"]) as dev:
        response = httpx.get(f"{dev.url}/dev", headers={"host": "ci-box.internal:8288"})
        assert response.status_code == 200
        other = httpx.get(f"{dev.url}/dev", headers={"host": "other.internal"})
        assert other.status_code == 403


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example"]
)
def test_a_request_from_a_page_elsewhere_is_refused_and_sends_nothing(
    dev: DevServerClient, origin: str
) -> None:
    # A form post or a text/plain fetch needs no preflight: it must not start functions.
    response = httpx.post(
        f"{dev.url}/e/key",
        content=b'{"name": "guard/from-page"}',
        headers={"origin": origin, "content-type": "text/plain"},
    )
    assert response.status_code == 403
    assert "only pages on this machine" in response.json()["error"]
    assert events_named(dev, "guard/from-page") == 0


def test_a_page_on_this_machine_must_send_json(dev: DevServerClient) -> None:
    headers = {"origin": "http://localhost:3000"}
    plain = httpx.post(
        f"{dev.url}/e/key",
        content=b'{"name": "guard/local-page"}',
        headers={**headers, "content-type": "text/plain"},
    )
    assert plain.status_code == 415
    assert "Content-Type: application/json (got 'text/plain')" in plain.json()["error"]
    sent = httpx.post(f"{dev.url}/e/key", json={"name": "guard/local-page"}, headers=headers)
    assert sent.status_code == 200
    assert events_named(dev, "guard/local-page") == 1


def test_an_sdk_or_curl_without_origin_may_send_any_content_type(dev: DevServerClient) -> None:
    # As the Go dev server: curl -d sends application/x-www-form-urlencoded.
    response = httpx.post(
        f"{dev.url}/e/key",
        content=b'{"name": "guard/curl"}',
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert events_named(dev, "guard/curl") == 1


def test_a_preflight_is_answered_for_loopback_pages_only(dev: DevServerClient) -> None:
    ask = {"access-control-request-method": "POST"}
    local = httpx.options(f"{dev.url}/e/key", headers={**ask, "origin": "http://localhost:5173"})
    assert local.status_code == 204
    assert local.headers["access-control-allow-origin"] == "http://localhost:5173"
    evil = httpx.options(f"{dev.url}/e/key", headers={**ask, "origin": "https://evil.example"})
    assert evil.status_code == 403
    assert "access-control-allow-origin" not in evil.headers


def test_an_app_cannot_be_taken_over_from_another_url(dev: DevServerClient) -> None:
    first = httpx.post(f"{dev.url}/fn/register", json=registration("guard-app"))
    assert first.status_code == 200, first.text
    again = httpx.post(f"{dev.url}/fn/register", json=registration("guard-app"))
    assert again.status_code == 200, again.text  # the same app syncing again is fine
    other = registration("guard-app", url="http://127.0.0.1:10/api/inngest")
    response = httpx.post(f"{dev.url}/fn/register", json=other)
    assert response.status_code == 400
    assert "would take over its functions" in response.json()["error"]
    assert "--allow-app-moves" in response.json()["error"]
    apps = {a["id"]: a for a in httpx.get(f"{dev.url}/dev").json()["apps"]}
    assert apps["guard-app"]["url"] == "http://127.0.0.1:9/api/inngest"


def test_with_allow_app_moves_an_app_may_sync_from_a_new_url() -> None:
    with dev_server(port=0, set_env=False, args=["--allow-app-moves"]) as dev:
        assert httpx.post(f"{dev.url}/fn/register", json=registration("mv")).status_code == 200
        moved = registration("mv", url="http://127.0.0.1:10/api/inngest")
        assert httpx.post(f"{dev.url}/fn/register", json=moved).status_code == 200
        (app,) = httpx.get(f"{dev.url}/dev").json()["apps"]
        assert app["url"] == "http://127.0.0.1:10/api/inngest"


def test_apps_off_this_machine_are_refused_unless_allowed(dev: DevServerClient) -> None:
    response = httpx.post(f"{dev.url}/sim/apps", params={"url": "http://169.254.169.254/x"})
    assert response.status_code == 403
    assert "not on this machine" in response.json()["error"]
    remote = registration("far-app", url="http://example.com/api/inngest")
    refused = httpx.post(f"{dev.url}/fn/register", json=remote)
    assert refused.status_code == 400
    assert "--allow-remote-apps" in refused.json()["error"]


def test_with_allow_remote_apps_a_remote_app_is_taken() -> None:
    with dev_server(port=0, set_env=False, args=["--allow-remote-apps"]) as dev:
        remote = registration("far-app", url="http://example.com/api/inngest")
        assert httpx.post(f"{dev.url}/fn/register", json=remote).status_code == 200
