"""`ObjectAssetStore`: blobs in an S3-compatible bucket, through obstore.

Works with AWS S3 and S3-compatible services (Cloudflare R2, MinIO, Ceph, moto). Blobs are
addressed by ``s3://<bucket>/<prefix>/sha256/<xx>/<sha256><ext>`` URIs; `url_for` signs a
time-limited HTTPS (or HTTP, for a local endpoint) GET URL that browsers and providers
such as Replicate fetch directly, without credentials.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import S3Store

from pipelines.assets._names import NAME_RE, blob_name, check_bytes, check_mime, verify
from pipelines.assets._protocol import DEFAULT_URL_TTL
from pipelines.errors import AssetStoreError, ConfigurationError

if TYPE_CHECKING:
    from pipelines.models import AssetRef

__all__ = ["ObjectAssetStore"]

# URL query keys accepted by `ObjectAssetStore.from_url`, as obstore's S3Config names them.
# Credentials may also come from the usual AWS_* environment variables.
_QUERY_KEYS = frozenset(
    {
        "endpoint",
        "region",
        "access_key_id",
        "secret_access_key",
        "session_token",
        "virtual_hosted_style_request",
    }
)
# Content-addressed blobs never change: let browsers and CDNs cache them for good.
_CACHE_CONTROL = "public, max-age=31536000, immutable"


class ObjectAssetStore:
    """An `AssetStore` in an S3-compatible bucket.

    Args:
        bucket: The bucket (it must exist; the store never creates buckets).
        prefix: A key prefix inside the bucket, e.g. ``"lecture-media/prod"``.
        endpoint: The S3 endpoint for non-AWS services, e.g. ``http://127.0.0.1:9000``
            (path-style requests; plain HTTP is allowed only when the endpoint says so).
        **config: Other obstore ``S3Config`` values (``region``, ``access_key_id``,
            ``secret_access_key``, ...); missing ones come from ``AWS_*`` variables.
    """

    def __init__(
        self, bucket: str, *, prefix: str = "", endpoint: str | None = None, **config: Any
    ) -> None:
        if not bucket:
            raise ConfigurationError("the object asset store needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint = endpoint
        options: dict[str, Any] = dict(config)
        client: dict[str, Any] = {"timeout": datetime.timedelta(seconds=60)}
        if endpoint:
            options["endpoint"] = endpoint
            options.setdefault("virtual_hosted_style_request", False)
            client["allow_http"] = endpoint.startswith("http://")
        # Without credentials, obstore looks for cloud instance credentials (the EC2
        # metadata endpoint). A server on loopback is never in the cloud: say what is
        # missing instead of letting every upload probe for them.
        if endpoint is not None and _is_loopback(endpoint) and not _has_credentials(options):
            raise ConfigurationError(
                f"the object store at {endpoint} (loopback) was given no credentials: add "
                "access_key_id=...&secret_access_key=... to the URL, or set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (cloud instance credentials "
                "are never looked up for a local server)"
            )
        # A few quick retries for dropped connections; a storage outage beyond them fails
        # the step, and Inngest retries the step with its own backoff.
        retry = {"max_retries": 2, "retry_timeout": datetime.timedelta(seconds=20)}
        self._store = S3Store(
            bucket,
            prefix=self.prefix or None,
            client_options=client,  # type: ignore[arg-type]
            retry_config=retry,  # type: ignore[arg-type]
            **options,
        )

    @classmethod
    def from_url(cls, url: str) -> ObjectAssetStore:
        """Open ``s3://bucket[/prefix][?endpoint=...&region=...]``.

        Raises:
            ConfigurationError: not an ``s3://`` URL, no bucket, or an unknown query key.
        """
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ConfigurationError(
                f"asset store URL {_safe(url)!r} is not s3://bucket[/prefix][?endpoint=...]"
            )
        query = dict(parse_qsl(parsed.query, keep_blank_values=True))
        unknown = sorted(set(query) - _QUERY_KEYS)
        if unknown:
            raise ConfigurationError(
                f"asset store URL {_safe(url)!r} has unknown option(s) {unknown}: use "
                f"{sorted(_QUERY_KEYS)}"
            )
        config: dict[str, Any] = dict(query)
        if "virtual_hosted_style_request" in config:
            config["virtual_hosted_style_request"] = config["virtual_hosted_style_request"] in (
                "1",
                "true",
            )
        endpoint = config.pop("endpoint", None)
        return cls(parsed.netloc, prefix=parsed.path, endpoint=endpoint, **config)

    def __repr__(self) -> str:
        where = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"ObjectAssetStore(bucket={self.bucket!r}, prefix={self.prefix!r}{where})"

    def put(self, data: bytes, mime_type: str) -> AssetRef:
        """Upload `data` under its sha256 (unless that object exists) and return its ref."""
        data = check_bytes(data)
        check_mime(mime_type)
        digest, name = blob_name(data, mime_type)
        try:
            if not self._exists(name):
                attributes = {"Content-Type": mime_type, "Cache-Control": _CACHE_CONTROL}
                obstore.put(self._store, name, data, attributes=attributes)
        except (ObstoreError, OSError) as exc:
            raise self._error("upload", name, exc) from None
        ref: AssetRef = {
            "uri": self._uri(name),
            "sha256": digest,
            "size": len(data),
            "mime_type": mime_type,
        }
        return ref

    def read(self, ref: AssetRef) -> bytes:
        """Download the bytes behind `ref`, verifying their sha256.

        Raises:
            AssetStoreError: the URI is not a blob of this store, the object is missing or
                unreadable, or its bytes do not match the recorded sha256.
        """
        name = self.name_of(ref["uri"])
        try:
            data = bytes(obstore.get(self._store, name).bytes())
        except FileNotFoundError:  # obstore raises the builtin for a missing object
            raise AssetStoreError(f"asset {ref['uri']!r} is missing from the bucket") from None
        except (ObstoreError, OSError) as exc:
            raise self._error("download", name, exc) from None
        return verify(data, ref["uri"], ref["sha256"])

    def url_for(
        self, ref: AssetRef, *, expires_in: datetime.timedelta = DEFAULT_URL_TTL
    ) -> str | None:
        """A presigned GET URL for `ref`, valid for `expires_in`."""
        name = self.name_of(ref["uri"])
        return obstore.sign(self._store, "GET", name, expires_in)

    def check(self) -> None:
        """Read the bucket once (list at most one key), as the lecture store is checked when
        opened: a missing bucket or refused credentials fail at start-up, not in every step.

        Raises:
            ConfigurationError: the bucket cannot be listed; the message says why.
        """
        try:
            stream = obstore.list(self._store, chunk_size=1)
            next(iter(stream), None)
        except (ObstoreError, OSError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigurationError(
                f"asset store {self!r} is not usable: {first[:300]}: check that the bucket "
                "exists (the store never creates one), the endpoint, and the credentials"
            ) from None

    def name_of(self, uri: str) -> str:
        """Map an ``s3://`` URI from `put` back to its name inside this store.

        Raises:
            AssetStoreError: the URI is not a blob of this bucket and prefix.
        """
        base = self._uri("")
        name = uri[len(base) :] if uri.startswith(base) else ""
        if not NAME_RE.match(name):
            raise AssetStoreError(f"asset uri {uri!r} is not a blob of this store ({base}…)")
        return name

    def _exists(self, name: str) -> bool:
        try:
            obstore.head(self._store, name)
        except FileNotFoundError:  # obstore raises the builtin for a missing object
            return False
        return True

    def _uri(self, name: str) -> str:
        prefix = f"{self.prefix}/" if self.prefix else ""
        return f"s3://{self.bucket}/{prefix}{name}"

    def _error(self, action: str, name: str, exc: Exception) -> AssetStoreError:
        # obstore messages can be long (they embed the request); keep the first line.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return AssetStoreError(f"{action} of {self._uri(name)} failed: {first[:300]}")


def _is_loopback(endpoint: str) -> bool:
    host = urlparse(endpoint).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _has_credentials(options: dict[str, Any]) -> bool:
    return bool(options.get("access_key_id")) or bool(os.environ.get("AWS_ACCESS_KEY_ID"))


def _safe(url: str) -> str:
    # Never echo credentials that may sit in the query string.
    return url.split("?", 1)[0]
