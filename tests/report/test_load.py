"""The report's loader: a trace from a newer simulator still loads and renders."""

from __future__ import annotations

from pathlib import Path

from inngest_sim.report import load_trace
from inngest_sim.trace import GenericRecord, RunSkipped, Trace


def test_the_lenient_loader_keeps_flow_control_records_as_themselves(tmp_path: Path) -> None:
    skipped = RunSkipped(
        seq=0, t=1.0, wall=0.0, function_id="a-f", event_id="e1", reason="rate_limit"
    )
    unknown = '{"kind": "from_the_future", "seq": 1, "t": 2.0, "wall": 0.0, "run_id": "r1", "x": 1}'
    path = tmp_path / "trace.json"
    path.write_text(Trace([skipped]).to_json().replace("]}", f", {unknown}]}}"), encoding="utf-8")

    records = list(load_trace(path))

    assert records[0] == skipped
    assert isinstance(records[1], GenericRecord)
    assert records[1].fields["x"] == 1
    assert records[1].run_id == "r1"
