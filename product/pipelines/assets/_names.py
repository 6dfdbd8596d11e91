"""Blob naming shared by the stores: ``sha256/<first two hex>/<sha256><ext>``.

Names derive only from the content hash and a fixed extension table, so no
caller-supplied string ever becomes a path or an object key.
"""

from __future__ import annotations

import hashlib
import re

from pipelines.errors import AssetStoreError

__all__ = ["NAME_RE", "blob_name", "check_bytes", "check_mime", "verify"]

_EXTENSIONS = {
    "image/png": ".png",
    "image/gif": ".gif",
    "image/apng": ".png",
    "image/webp": ".webp",
    "image/jpeg": ".jpg",
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "video/mp4": ".mp4",
    "text/vtt": ".vtt",
}
_MIME_RE = re.compile(r"^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$")
NAME_RE = re.compile(r"^sha256/(?P<shard>[0-9a-f]{2})/(?P<sha>[0-9a-f]{64})\.[a-z0-9]{1,5}$")


def check_bytes(data: object) -> bytes:
    """Return `data` as bytes, or raise `TypeError` for anything else."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    return bytes(data)


def check_mime(mime_type: str) -> None:
    """Raise `AssetStoreError` unless `mime_type` looks like ``type/subtype``."""
    if not _MIME_RE.match(mime_type):
        raise AssetStoreError(
            f"mime_type {mime_type!r} is not a MIME type: pass something like 'image/png'"
        )


def blob_name(data: bytes, mime_type: str) -> tuple[str, str]:
    """Return ``(sha256 hex, relative name)`` of a blob."""
    digest = hashlib.sha256(data).hexdigest()
    extension = _EXTENSIONS.get(mime_type.lower(), ".bin")
    return digest, f"sha256/{digest[:2]}/{digest}{extension}"


def verify(data: bytes, uri: str, sha256: str) -> bytes:
    """Return `data` if it hashes to `sha256`, else raise `AssetStoreError`."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AssetStoreError(
            f"asset {uri!r} does not match its sha256 {sha256}: the blob was modified or "
            "the reference is stale"
        )
    return data
