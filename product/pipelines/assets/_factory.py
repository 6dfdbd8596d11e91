"""`open_asset_store`: pick an asset store from a URL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.assets._local import LocalAssetStore
from pipelines.assets._object import ObjectAssetStore
from pipelines.errors import ConfigurationError

if TYPE_CHECKING:
    from pipelines.assets._protocol import AssetStore

__all__ = ["open_asset_store"]


def open_asset_store(url: str, *, check: bool = True) -> AssetStore:
    """Open the asset store a URL names and check it can be used (`check=False` skips it).

    Args:
        url: ``file:///absolute/dir`` (a local directory, the default), or
            ``s3://bucket[/prefix][?endpoint=http://host:port&region=...]`` (S3 or an
            S3-compatible service; credentials from the query or ``AWS_*`` variables).

    Raises:
        ConfigurationError: any other scheme, a malformed URL, or a store that cannot be
            used (a missing bucket, refused credentials, an unwritable directory).
    """
    store = _open(url)
    if check:
        store.check()
    return store


def _open(url: str) -> LocalAssetStore | ObjectAssetStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
            raise ConfigurationError(
                f"asset store URL {url!r} is not file:///absolute/path: write three slashes "
                "and an absolute directory"
            )
        return LocalAssetStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        return ObjectAssetStore.from_url(url)
    raise ConfigurationError(
        f"unsupported asset store URL {url.split('?', 1)[0]!r}: use file:///path/to/dir or "
        "s3://bucket/prefix?endpoint=..."
    )
