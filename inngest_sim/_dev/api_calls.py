"""``/sim/api-calls`` and ``/sim/seq``: the Inngest API calls the dev server recorded.

Every call an SDK makes to the server's Inngest API is an ``ApiCalled`` record in its
trace; a call to a route inngest-sim does not serve has ``served=False`` (it was answered
404, which an SDK may read as an answer). A test suite reads the calls made from a point
on (``/sim/seq`` gives the point) to fail a test whose app made such a call: the pytest
plugin does this for every test that uses ``inngest_dev_server``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inngest_sim.trace import ApiCalled

if TYPE_CHECKING:
    from starlette.requests import Request

    from inngest_sim.trace import Trace

__all__ = ["api_call_routes"]

#: The trace format's version (``Trace.to_json``): the answer loads with ``Trace.from_json``.
TRACE_VERSION = 1


def api_call_routes(trace: Trace) -> list[Route]:
    """``GET /sim/api-calls?since=SEQ`` (the calls recorded from ``SEQ`` on, as a trace
    ``Trace.from_json`` reads) and ``GET /sim/seq`` (the seq the next record gets)."""

    async def calls(request: Request) -> Response:
        raw = request.query_params.get("since", "0")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return JSONResponse(
                {
                    "error": f"?since={raw[:40]!r}: give a record seq (a whole number >= 0), "
                    "e.g. the next_seq of GET /sim/seq read before the calls"
                },
                status_code=400,
            )
        records = [r.to_dict() for r in trace.since(int(raw)) if isinstance(r, ApiCalled)]
        body = {"version": TRACE_VERSION, "records": records, "next_seq": trace.next_seq}
        return Response(json.dumps(body), media_type="application/json")

    async def seq(request: Request) -> JSONResponse:
        return JSONResponse({"next_seq": trace.next_seq})

    return [
        Route("/sim/api-calls", calls, methods=["GET"]),
        Route("/sim/seq", seq, methods=["GET"]),
    ]
