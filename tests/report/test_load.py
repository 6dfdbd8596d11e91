from __future__ import annotations

import inngest_sim  # noqa: F401  (registers every record kind, flow control included)
from inngest_sim._flow import RunSkipped
from inngest_sim._trace import Trace
from inngest_sim.report._load import GenericRecord, parse_lenient


def test_the_lenient_loader_keeps_flow_control_records_as_themselves() -> None:
    skipped = RunSkipped(
        seq=0, t=1.0, wall=0.0, function_id="a-f", event_id="e1", reason="rate_limit"
    )
    unknown = '{"kind": "from_the_future", "seq": 1, "t": 2.0, "wall": 0.0, "run_id": "r1", "x": 1}'
    text = Trace([skipped]).to_json().replace("]}", f", {unknown}]}}")

    records = list(parse_lenient(text))

    assert records[0] == skipped
    assert isinstance(records[1], GenericRecord)
    assert records[1].fields["x"] == 1
