from __future__ import annotations

import datetime
import hashlib
import os
import time
from pathlib import Path

import httpx
import pytest

from pipelines.assets import AssetStore, LocalAssetStore, ObjectAssetStore, open_asset_store
from pipelines.errors import AssetStoreError, ConfigurationError
from product.tests.conftest import s3_asset_store, s3_url

# ---- every backend ----------------------------------------------------------------------


def test_put_is_content_addressed_and_idempotent(asset_store: AssetStore) -> None:
    data = b"\x89PNG\r\n\x1a\nhello"
    ref = asset_store.put(data, "image/png")
    digest = hashlib.sha256(data).hexdigest()
    assert ref["sha256"] == digest
    assert (ref["size"], ref["mime_type"]) == (len(data), "image/png")
    assert ref["uri"].endswith(f"/sha256/{digest[:2]}/{digest}.png")
    assert asset_store.put(data, "image/png") == ref
    assert asset_store.read(ref) == data
    assert isinstance(asset_store, AssetStore)


def test_unknown_mime_gets_bin_extension(asset_store: AssetStore) -> None:
    assert asset_store.put(b"x", "application/x-thing")["uri"].endswith(".bin")


@pytest.mark.parametrize("mime", ["", "png", "image/png; charset=x", "../../etc/passwd"])
def test_rejects_bad_mime(asset_store: AssetStore, mime: str) -> None:
    with pytest.raises(AssetStoreError, match="is not a MIME type"):
        asset_store.put(b"x", mime)


def test_rejects_non_bytes(asset_store: AssetStore) -> None:
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        asset_store.put("text", "image/png")  # type: ignore[arg-type]


def test_a_stale_reference_fails_its_hash_check(asset_store: AssetStore) -> None:
    ref = asset_store.put(b"payload", "video/mp4")
    with pytest.raises(AssetStoreError, match="does not match its sha256"):
        asset_store.read({**ref, "sha256": "0" * 64})


@pytest.mark.parametrize(
    "uri",
    ["file:///etc/passwd", "https://example.com/a.png", "s3://other-bucket/sha256/aa/x.png"],
)
def test_foreign_uris_are_refused(asset_store: AssetStore, uri: str) -> None:
    ref = asset_store.put(b"x", "image/png")
    with pytest.raises(AssetStoreError):
        asset_store.read({**ref, "uri": uri})
    with pytest.raises(AssetStoreError):
        asset_store.url_for({**ref, "uri": uri})


# ---- the local directory ----------------------------------------------------------------


def test_local_blobs_live_under_their_hash(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path / "assets")
    ref = store.put(b"abc", "audio/wav")
    digest = hashlib.sha256(b"abc").hexdigest()
    path = store.path_of(ref["uri"])
    assert path == (tmp_path / "assets" / "sha256" / digest[:2] / f"{digest}.wav").resolve()
    assert store.url_for(ref) is None  # file:// is no use to a browser or a provider
    files = [p for p in (tmp_path / "assets").rglob("*") if p.is_file()]
    assert files == [path]


def test_local_tampered_and_missing_blobs(tmp_path: Path) -> None:
    store = LocalAssetStore(tmp_path)
    ref = store.put(b"payload", "video/mp4")
    store.path_of(ref["uri"]).write_bytes(b"tampered")
    with pytest.raises(AssetStoreError, match="does not match its sha256"):
        store.read(ref)
    store.path_of(ref["uri"]).unlink()
    with pytest.raises(AssetStoreError, match="is missing"):
        store.read(ref)


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
    with pytest.raises(AssetStoreError):
        store.path_of("file://evil-host/tmp/a.png")


def test_a_failed_write_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalAssetStore(tmp_path)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"abc", "image/png")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_temp_files_of_killed_writes_are_swept_when_a_store_opens(tmp_path: Path) -> None:
    # A SIGKILL mid-write leaves a temp file behind: nothing in the dead process cleans it.
    LocalAssetStore(tmp_path).put(b"abc", "image/png")
    killed = tmp_path / ".tmp" / ".tmp-killed"
    legacy = next((tmp_path / "sha256").iterdir()) / ".tmp-from-an-older-release"
    in_flight = tmp_path / ".tmp" / ".tmp-writing-now"
    for path in (killed, legacy, in_flight):
        path.write_bytes(b"partial")
    two_hours_ago = time.time() - 2 * 3600
    for path in (killed, legacy):
        os.utime(path, (two_hours_ago, two_hours_ago))

    store = LocalAssetStore(tmp_path)

    assert sorted(p.name for p in store.sweep_temp_files()) == []  # already swept on open
    assert not killed.exists()
    assert not legacy.exists()
    assert in_flight.exists()  # another process may still be writing it
    quick = LocalAssetStore(tmp_path, stale_after=datetime.timedelta(0))
    assert not in_flight.exists()
    assert quick.read(quick.put(b"abc", "image/png")) == b"abc"


# ---- the S3-compatible bucket -----------------------------------------------------------


def test_presigned_urls_serve_the_bytes_without_credentials() -> None:
    store = s3_asset_store()
    ref = store.put(b"\x89PNG\r\n\x1a\nsigned", "image/png")
    assert ref["uri"].startswith(f"s3://{store.bucket}/{store.prefix}/sha256/")
    url = store.url_for(ref, expires_in=datetime.timedelta(minutes=5))
    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    assert "X-Amz-Signature=" in url
    response = httpx.get(url)  # what a browser or Replicate does: a plain GET
    assert response.status_code == 200
    assert response.content == b"\x89PNG\r\n\x1a\nsigned"
    assert response.headers["content-type"] == "image/png"


def test_a_missing_object_is_a_clear_error() -> None:
    store = s3_asset_store()
    ref = store.put(b"here", "image/png")
    other = s3_asset_store()  # another prefix of the same bucket: the object is not there
    moved = {**ref, "uri": ref["uri"].replace(f"/{store.prefix}/", f"/{other.prefix}/")}
    with pytest.raises(AssetStoreError, match="is missing from the bucket"):
        other.read(moved)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://host/x", "unsupported asset store URL 'ftp://host/x'"),
        ("file://relative/dir", "is not file:///absolute/path"),
        ("s3:///no-bucket", "is not s3://bucket"),
        ("s3://b?secret_access_key=hunter2&colour=red", r"unknown option\(s\) \['colour'\]"),
    ],
)
def test_bad_asset_store_urls(url: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match) as info:
        open_asset_store(url)
    assert "hunter2" not in str(info.value)


def test_asset_store_urls(tmp_path: Path) -> None:
    local = open_asset_store((tmp_path / "a").as_uri())
    assert isinstance(local, LocalAssetStore)
    assert local.root == (tmp_path / "a").resolve()
    remote = open_asset_store(
        "s3://bucket/some/prefix?endpoint=http://127.0.0.1:9&region=eu-west-1"
        "&access_key_id=a&secret_access_key=secret",
        check=False,
    )
    assert isinstance(remote, ObjectAssetStore)
    assert (remote.bucket, remote.prefix) == ("bucket", "some/prefix")
    assert "secret" not in repr(remote)


def test_an_unusable_asset_store_fails_at_start_up(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(ConfigurationError, match="is not writable"):
        open_asset_store(blocked.as_uri())
    # Nothing listens on port 9: the check names the request that failed.
    url = (
        "s3://bucket/p?endpoint=http://127.0.0.1:9&region=eu-west-1"
        "&access_key_id=a&secret_access_key=b"
    )
    with pytest.raises(ConfigurationError, match="is not usable") as info:
        open_asset_store(url)
    assert "http://127.0.0.1:9/bucket" in str(info.value)


def test_a_loopback_server_without_credentials_is_refused_without_probing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    for host in ("127.0.0.1", "localhost", "[::1]"):
        with pytest.raises(ConfigurationError, match="no credentials") as info:
            open_asset_store(f"s3://media/demo?endpoint=http://{host}:9402&region=us-east-1")
        assert "access_key_id=" in str(info.value)
        assert "169.254.169.254" not in str(info.value)


def test_the_s3_check_refuses_a_missing_bucket_by_name() -> None:
    query = s3_url().split("?", 1)[1]
    with pytest.raises(ConfigurationError, match="check that the bucket exists") as info:
        open_asset_store(f"s3://no-such-bucket?{query}")
    assert "no-such-bucket" in str(info.value)
    assert "169.254.169.254" not in str(info.value)
    open_asset_store(s3_url())  # the test bucket passes
