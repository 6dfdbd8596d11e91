"""``/sim/api-calls`` and ``/sim/seq``: the Inngest API calls a dev server recorded, read
from a point on (what the pytest plugin checks for each test that uses the server)."""

from __future__ import annotations

import httpx
import pytest

from inngest_sim import InvalidArgument
from inngest_sim.dev import dev_server
from inngest_sim.trace import ApiCalled


def test_the_server_lists_the_calls_from_a_seq_on() -> None:
    with dev_server() as server:
        start = server.next_seq()
        assert httpx.post(server.url + "/v2/teleport", json={}).status_code == 404
        calls = server.api_calls(since=start).of(ApiCalled)
        assert [(c.method, c.path, c.status, c.served) for c in calls] == [
            ("POST", "/v2/teleport", 404, False)
        ]
        assert server.api_calls(since=server.next_seq()).of(ApiCalled) == []
        with pytest.raises(InvalidArgument, match=r"since=-1 \(int\): expected a record seq"):
            server.api_calls(since=-1)
        answer = httpx.get(server.url + "/sim/api-calls", params={"since": "x"})
        assert answer.status_code == 400
        assert "give a record seq" in answer.json()["error"]
