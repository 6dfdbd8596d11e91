"""assert_api_served: calls to Inngest API routes the simulator does not serve."""

from __future__ import annotations

import httpx
import pytest

from inngest_sim import Simulator
from inngest_sim.assertions import assert_api_served
from inngest_sim.trace import ApiCalled

from ._app import FUNCTIONS, client


async def test_a_route_not_served_is_recorded_and_flagged() -> None:
    async with Simulator(client, FUNCTIONS) as sim:
        assert_api_served(sim.trace)  # registration only: every call was served
        answer = sim.api.handle(httpx.Request("POST", "http://sim/v2/teleport", json={}))
        served = sim.api.handle(httpx.Request("POST", "http://sim/v1/signals", json={}))
    assert answer.status_code == 404
    assert served.status_code == 500  # served: an empty signal is the server's 500
    calls = [(c.path, c.status, c.served) for c in sim.trace.of(ApiCalled)][-2:]
    assert calls == [("/v2/teleport", 404, False), ("/v1/signals", 500, True)]
    with pytest.raises(
        AssertionError, match=r"does not serve, each answered 404: POST /v2/teleport"
    ):
        assert_api_served(sim.trace)
