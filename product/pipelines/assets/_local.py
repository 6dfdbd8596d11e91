"""`LocalAssetStore`: blobs in a local directory, addressed by ``file://`` URIs."""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pipelines.assets._names import NAME_RE, blob_name, check_bytes, check_mime, verify
from pipelines.assets._protocol import DEFAULT_URL_TTL
from pipelines.errors import AssetStoreError, ConfigurationError

if TYPE_CHECKING:
    from pipelines.models import AssetRef

__all__ = ["LocalAssetStore"]

_TMP_DIR = ".tmp"
_TMP_PREFIX = ".tmp-"
# A write takes milliseconds; a temp file this old belongs to a process that was killed.
_STALE_AFTER = datetime.timedelta(hours=1)


class LocalAssetStore:
    """An `AssetStore` on the local filesystem (one host only: see `ObjectAssetStore`).

    Blobs live under ``<root>/sha256/<first two hex>/<sha256><ext>``. Each is written to
    a temp file in ``<root>/.tmp/`` and renamed into place, so a crash never leaves a
    truncated blob under a valid hash; temp files that a killed process left behind are
    removed when a store opens the directory.

    Args:
        root: Directory holding the blobs; created on first write.
        stale_after: Age past which a temp file counts as abandoned.
    """

    def __init__(
        self, root: str | os.PathLike[str], *, stale_after: datetime.timedelta = _STALE_AFTER
    ) -> None:
        self.root = Path(root).resolve()
        self.stale_after = stale_after
        self.sweep_temp_files()

    def __repr__(self) -> str:
        return f"LocalAssetStore(root={str(self.root)!r})"

    def put(self, data: bytes, mime_type: str) -> AssetRef:
        """Store `data` under its sha256 and return ``{uri, sha256, size, mime_type}``."""
        data = check_bytes(data)
        check_mime(mime_type)
        digest, name = blob_name(data, mime_type)
        path = self.root / name
        if not path.exists():
            self._write_atomically(path, data)
        return {"uri": path.as_uri(), "sha256": digest, "size": len(data), "mime_type": mime_type}

    def read(self, ref: AssetRef) -> bytes:
        """Return the bytes behind `ref`.

        Raises:
            AssetStoreError: the URI is not a blob of this store, or the bytes do not match
                the recorded sha256.
        """
        path = self.path_of(ref["uri"])
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise AssetStoreError(f"asset {ref['uri']!r} is missing from {self.root}") from None
        return verify(data, ref["uri"], ref["sha256"])

    def url_for(
        self, ref: AssetRef, *, expires_in: datetime.timedelta = DEFAULT_URL_TTL
    ) -> str | None:
        """None: a ``file://`` URI is of no use to a browser or a remote provider."""
        self.path_of(ref["uri"])  # still refuse a reference from elsewhere
        return None

    def path_of(self, uri: str) -> Path:
        """Map a ``file://`` URI from `put` back to a path inside the store.

        Raises:
            AssetStoreError: the URI is not a ``file://`` URI of a blob under this store's root.
        """
        parsed = urlparse(uri)
        if parsed.scheme != "file" or parsed.netloc not in ("", "localhost"):
            raise AssetStoreError(f"asset uri {uri!r} is not a file:// URI from this store")
        path = Path(unquote(parsed.path)).resolve()
        inside = path.is_relative_to(self.root)
        if not inside or not NAME_RE.match(path.relative_to(self.root).as_posix()):
            raise AssetStoreError(
                f"asset uri {uri!r} points outside the asset store at {self.root}"
            )
        return path

    def check(self) -> None:
        """Write and remove a probe file, so an unwritable directory fails at start-up.

        Raises:
            ConfigurationError: the directory cannot be created or written.
        """
        try:
            tmp_dir = self.root / _TMP_DIR
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(dir=tmp_dir, prefix=_TMP_PREFIX)
            os.close(fd)
            os.unlink(name)
        except OSError as exc:
            raise ConfigurationError(
                f"asset store directory {self.root} is not writable: {exc.strerror or exc}: "
                "point LECTURE_ASSET_STORE_URL (or the data directory) at a writable directory"
            ) from None

    def sweep_temp_files(self) -> list[Path]:
        """Remove temp files older than `stale_after` (left by killed writes); return them.

        Looks in ``.tmp/`` and, for stores written by earlier releases, next to the blobs.
        """
        cutoff = time.time() - self.stale_after.total_seconds()
        candidates = [*self.root.glob(f"{_TMP_DIR}/{_TMP_PREFIX}*")]
        candidates += self.root.glob(f"sha256/*/{_TMP_PREFIX}*")
        removed = []
        for path in candidates:
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
        return removed

    def _write_atomically(self, path: Path, data: bytes) -> None:
        # The temp file sits on the same filesystem as the blob, so os.replace is atomic.
        tmp_dir = self.root / _TMP_DIR
        tmp_dir.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=_TMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
