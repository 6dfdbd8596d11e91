"""``python -m pipelines demo``: the four pipelines on the simulator, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.__main__ import main
from pipelines.assets import open_asset_store
from pipelines.store import open_store
from product.tests.conftest import s3_url


def test_demo_runs_all_four_pipelines_and_writes_media_and_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["demo", "--out", str(out), "--segments", "6"]) == 0
    printed = capsys.readouterr().out
    for name in ("segment-images", "narration", "music", "segment-videos"):
        assert name in printed
    assert "SENSITIVE_CONTENT" in printed
    assert (out / "report.html").stat().st_size > 1000
    trace = json.loads((out / "trace.json").read_text(encoding="utf-8"))
    assert any(r["kind"] == "fault_applied" for r in trace["records"])
    media = [p for p in (out / "data" / "assets").rglob("*") if p.is_file()]
    assert len(media) >= 20


def test_demo_without_faults_has_no_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--no-faults", "--segments", "3"]) == 0
    printed = capsys.readouterr().out
    assert "SENSITIVE_CONTENT" not in printed


def test_demo_that_makes_no_asset_exits_one_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every provider step fails for good (a non-retriable error fails the run at once).
    faults = [f"non_retriable:{stem}-*" for stem in ("image", "narration", "music", "start-image")]
    argv = ["demo", "--out", str(tmp_path), "--segments", "2"]
    assert main([*argv, *(arg for rule in faults for arg in ("--fault", rule))]) == 1
    printed = " ".join(capsys.readouterr().out.split())
    assert "No asset was made." in printed
    assert "run failed from lecture-media-generate-narration: refused (injected)" in printed


def test_demo_with_a_missing_bucket_exits_two_at_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    query = s3_url().split("?", 1)[1]
    monkeypatch.setenv("LECTURE_ASSET_STORE_URL", f"s3://no-such-bucket/x?{query}")
    assert main(["demo", "--out", str(tmp_path), "--segments", "2"]) == 2
    err = capsys.readouterr().err
    assert "is not usable" in err
    assert "check that the bucket exists" in err
    assert "no-such-bucket" in err


def test_demo_with_an_unknown_fault_rule_prints_one_line_and_exits_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--fault", "explode:x"]) == 2
    err = capsys.readouterr().err
    assert "unknown kind 'explode'" in err
    assert len(err.strip().splitlines()) == 1


def test_demo_with_an_output_folder_that_is_a_file_exits_two_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("", encoding="utf-8")
    assert main(["demo", "--out", str(target)]) == 2
    captured = capsys.readouterr()
    assert "--out" in captured.err
    assert "is a file" in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.out == ""


def test_demo_runs_on_postgresql_and_object_storage(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
) -> None:
    media = s3_url()
    monkeypatch.setenv("LECTURE_STORE_URL", postgres_url)
    monkeypatch.setenv("LECTURE_ASSET_STORE_URL", media)
    assert main(["demo", "--out", str(tmp_path), "--segments", "2"]) == 0
    printed = capsys.readouterr().out
    assert "Lectures: SqlLectureStore('postgresql+psycopg://" in printed
    assert "Media: ObjectAssetStore(" in printed
    assert "1 repeated message(s) dropped" in printed  # the default lost progress response
    assert not (tmp_path / "data" / "assets").exists()
    store = open_store(postgres_url)
    stored = store.list_assets("sample-lecture")
    store.close()  # type: ignore[attr-defined]
    assert {r.kind for r in stored} == {"image", "narration", "music", "start_image", "video"}
    assets = open_asset_store(media)
    ok = [r for r in stored if r.ok]
    assert ok
    for record in ok:
        asset = record.result["asset"]  # type: ignore[typeddict-item]
        assert asset["uri"].startswith("s3://")
        assert assets.read(asset)  # the bytes are in the bucket and match their hash
