from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipelines.assets import AssetStore, LocalAssetStore
from pipelines.errors import AssetStoreError


def test_put_is_content_addressed(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path / "assets")
    data = b"\x89PNG\r\n\x1a\nhello"
    ref = store.put(data, "image/png")
    digest = hashlib.sha256(data).hexdigest()
    assert ref["sha256"] == digest
    assert ref["size"] == len(data)
    assert ref["mime_type"] == "image/png"
    path = store.path_of(ref["uri"])
    assert path == (tmp_path / "assets" / "sha256" / digest[:2] / f"{digest}.png").resolve()
    assert path.read_bytes() == data
    assert isinstance(store, AssetStore)


def test_same_bytes_twice_is_one_file(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path)
    first = store.put(b"abc", "audio/wav")
    second = store.put(b"abc", "audio/wav")
    assert first == second
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1
    assert not any(p.name.startswith(".tmp-") for p in files)


def test_read_round_trip_and_integrity(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path)
    ref = store.put(b"payload", "video/mp4")
    assert store.read(ref) == b"payload"
    store.path_of(ref["uri"]).write_bytes(b"tampered")
    with pytest.raises(AssetStoreError, match="does not match its sha256"):
        store.read(ref)


def test_unknown_mime_gets_bin_extension(tmp_path: Path) -> None:
    ref = LocalAssetStore(tmp_path).put(b"x", "application/x-thing")
    assert ref["uri"].endswith(".bin")


@pytest.mark.parametrize("mime", ["", "png", "image/png; charset=x", "../../etc/passwd"])
def test_rejects_bad_mime(tmp_path: Path, mime: str) -> None:
    with pytest.raises(AssetStoreError, match="is not a MIME type"):
        LocalAssetStore(tmp_path).put(b"x", mime)


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "https://example.com/a.png",
        "file://evil-host/tmp/a.png",
    ],
)
def test_foreign_uris_are_refused(tmp_path: Path, uri: str) -> None:
    with pytest.raises(AssetStoreError):
        LocalAssetStore(tmp_path / "assets").path_of(uri)


def test_traversal_out_of_the_root_is_refused(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path / "assets")
    ref = store.put(b"x", "image/png")
    escaped = ref["uri"].replace("/sha256/", "/sha256/../../../")
    with pytest.raises(AssetStoreError, match="outside the asset store"):
        store.path_of(escaped)
    outside = (tmp_path / "secret.txt").resolve()
    outside.write_text("s")
    with pytest.raises(AssetStoreError, match="outside the asset store"):
        store.read({**ref, "uri": outside.as_uri()})


def test_missing_blob(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path)
    ref = store.put(b"x", "image/png")
    store.path_of(ref["uri"]).unlink()
    with pytest.raises(AssetStoreError, match="is missing"):
        store.read(ref)


def test_rejects_non_bytes(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        LocalAssetStore(tmp_path).put("text", "image/png")  # type: ignore[arg-type]
