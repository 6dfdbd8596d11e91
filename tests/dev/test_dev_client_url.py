"""No client-URL trap: ``dev_server()`` takes Inngest's default port when it is free, so a
client made before it (at module level) reaches it; when the port is taken it says so at
once; a sync whose app registers elsewhere is refused with the reason."""

from __future__ import annotations

import warnings

import httpx
import inngest
import pytest

from inngest_sim._dev import client as dev_client
from inngest_sim._server.loopback import bind_loopback, free_port
from inngest_sim.dev import DevServerClient, DevServerPortWarning, dev_server
from tests.dev.test_dev_server import App


@pytest.fixture
def default_port(monkeypatch: pytest.MonkeyPatch) -> int:
    """A free port standing in for 8288 (which another server on this machine may hold)."""
    port = free_port()
    monkeypatch.setattr(dev_client, "DEFAULT_PORT", port)
    return port


def test_a_client_made_before_the_server_reaches_it_on_the_default_port(
    default_port: int,
) -> None:
    # As a module-level client: made before dev_server(), reading no INNGEST_BASE_URL.
    early = inngest.Inngest(
        app_id="early",
        is_production=False,
        api_base_url=f"http://127.0.0.1:{default_port}",
        event_api_base_url=f"http://127.0.0.1:{default_port}",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DevServerPortWarning)
        with dev_server() as dev:
            assert dev.url == f"http://127.0.0.1:{default_port}"
            try:
                (event_id,) = early.send_sync(inngest.Event(name="early/hello"))
            finally:
                early._http_client._http_client_sync.close()
            assert [e["id"] for e in dev.events("early/hello")] == [event_id]


def test_a_taken_default_port_is_a_warning_that_says_what_it_means(default_port: int) -> None:
    squatter = bind_loopback(default_port)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DevServerPortWarning)
            with dev_server() as dev:
                assert not dev.url.endswith(f":{default_port}")
                assert httpx.get(f"{dev.url}/dev").status_code == 200
        (warning,) = [w for w in caught if w.category is DevServerPortWarning]
        assert f"is taken, so inngest-sim dev serves on {dev.url}" in str(warning.message)
        assert f"still sends to {default_port}: make it inside the block" in str(warning.message)
    finally:
        squatter.close()


def test_port_zero_or_a_port_flag_means_any_port_without_a_warning(default_port: int) -> None:
    squatter = bind_loopback(default_port)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DevServerPortWarning)
            with dev_server(port=0) as first:
                assert first.url != f"http://127.0.0.1:{default_port}"
            port = free_port()
            with dev_server(args=["--port", str(port)]) as second:
                assert second.url == f"http://127.0.0.1:{port}"
    finally:
        squatter.close()


def test_the_handle_gives_a_client_and_an_environment_bound_to_the_server() -> None:
    with dev_server(port=0, set_env=False) as dev:
        assert dev.env == {"INNGEST_DEV": "1", "INNGEST_BASE_URL": dev.url}
        bound = dev.inngest_client("bound", is_production=True)  # bound wins over options
        try:
            (event_id,) = bound.send_sync(inngest.Event(name="bound/hello"))
        finally:
            bound._http_client._http_client_sync.close()
        assert [e["id"] for e in dev.events("bound/hello")] == [event_id]


def test_a_sync_whose_app_registers_elsewhere_is_refused_with_the_reason() -> None:
    with dev_server(port=0, set_env=False) as dev, dev_server(port=0, set_env=False) as other:
        app = App(other, "astray")  # its client points at the other server

        @app.client.create_function(fn_id="noop", trigger=inngest.TriggerEvent(event="a/b"))
        def noop(ctx: inngest.ContextSync) -> None:
            return None

        app.functions = [noop]
        app.serve()
        try:
            response = httpx.post(f"{dev.url}/sim/apps", params={"url": app.url})
            assert response.status_code == 502
            problem = response.json()["error"]
            assert "answered the sync but registered somewhere else" in problem
            assert f"points at another server, not {dev.url}" in problem
            assert httpx.get(f"{dev.url}/dev").json()["apps"] == []
            assert [a["id"] for a in httpx.get(f"{other.url}/dev").json()["apps"]] == ["astray"]
        finally:
            app.stop()


def test_the_client_survives_being_closed_twice() -> None:
    client = DevServerClient("http://127.0.0.1:9")
    client.close()
    client.close()
