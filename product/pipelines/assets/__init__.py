"""Content-addressed asset storage: bytes in, a small JSON reference out.

Steps hand these references to Inngest instead of bytes. `LocalAssetStore` keeps blobs on
the local filesystem (``file://`` URIs, the default); `ObjectAssetStore` keeps them in an
S3-compatible bucket (``s3://`` URIs) and signs HTTPS URLs a browser or a provider can
fetch. `open_asset_store` picks one from a URL.
"""

from __future__ import annotations

from pipelines.assets._factory import open_asset_store
from pipelines.assets._local import LocalAssetStore
from pipelines.assets._object import ObjectAssetStore
from pipelines.assets._protocol import DEFAULT_URL_TTL, AssetStore

__all__ = [
    "DEFAULT_URL_TTL",
    "AssetStore",
    "LocalAssetStore",
    "ObjectAssetStore",
    "open_asset_store",
]
