"""Default Inngest client and services, configured from the environment.

Environment variables (all optional):

======================================= ==================================================
``LECTURE_MEDIA_DATA_DIR``              data directory (default ``./.lecture-media``)
``LECTURE_STORE_URL``                   lecture store URL: ``sqlite:///path`` or
                                        ``postgresql://user:pass@host/db`` (default: SQLite
                                        in the data dir); ``LECTURE_MEDIA_DATABASE_URL`` is
                                        its older name, still read
``LECTURE_ASSET_STORE_URL``             asset store URL: ``file:///dir`` or
                                        ``s3://bucket/prefix?endpoint=...&region=...``
                                        (default: ``assets/`` in the data dir)
``OPENAI_API_KEY``                      enables OpenAI for prompts, images and narration
``OPENAI_BASE_URL``                     OpenAI-compatible API origin
``REPLICATE_API_TOKEN``                 enables Replicate for music and video
``REPLICATE_BASE_URL``                  Replicate-style API origin
``REPLICATE_MUSIC_MODEL``               music model, ``owner/name:version`` (``owner/name``
                                        for an official model)
``REPLICATE_VIDEO_MODEL``               image-to-video model, same forms
``REPLICATE_VIDEO_PROMPT_FIELD``        input taking the motion prompt (default: none;
                                        Stable Video Diffusion takes no prompt)
``LECTURE_MEDIA_CHUNK_SIZE``            provider calls per chunk (default 5)
``LECTURE_MEDIA_IMAGES_PER_SEGMENT``    images per segment (default 2)
``LECTURE_MEDIA_MAX_POLLS``             render polls (music, video) before TIMEOUT (default 10)
``LECTURE_MEDIA_POLL_INTERVAL_SECONDS`` sleep between render polls (default 30)
``LECTURE_MEDIA_RETRIES``               Inngest retries per step (default 4)
``LECTURE_MEDIA_PROVIDER_CONCURRENCY``  steps in flight per provider, across all runs
                                        (default 10; 0 for no limit)
======================================= ==================================================

Without keys, the `LocalProvider` generates everything offline.
"""

from __future__ import annotations

import datetime
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import inngest

from pipelines.assets import LocalAssetStore, open_asset_store
from pipelines.errors import ConfigurationError
from pipelines.providers import LocalProvider, OpenAIProvider, ReplicateProvider, Secret
from pipelines.providers.replicate import DEFAULT_MUSIC_MODEL, DEFAULT_VIDEO_MODEL
from pipelines.services import Services
from pipelines.store import SqliteLectureStore, open_store

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pipelines.assets import AssetStore

__all__ = ["APP_ID", "DEFAULT_DATA_DIR", "create_client", "default_services"]

APP_ID = "lecture-media"
DEFAULT_DATA_DIR = "./.lecture-media"


def create_client(*, app_id: str = APP_ID, is_production: bool | None = None) -> inngest.Inngest:
    """Return the Inngest client of the lecture-media app.

    Args:
        app_id: The Inngest app id.
        is_production: Force cloud (True) or dev (False) mode; by default the SDK decides
            from ``INNGEST_DEV`` (set ``INNGEST_DEV=1`` for the local dev server).
    """
    return inngest.Inngest(
        app_id=app_id, is_production=is_production, logger=logging.getLogger("pipelines")
    )


def default_services(
    env: Mapping[str, str] | None = None, *, http_client: httpx.AsyncClient | None = None
) -> Services:
    """Build `Services` from environment variables (see the module docstring).

    Args:
        env: The variables to read; `os.environ` by default.
        http_client: The HTTP client Replicate outputs are downloaded with. When omitted and
            a token is set, one is created and owned by the services (closed by
            `Services.aclose`). The API clients are the official ones (``openai``,
            ``replicate``), with their own retries off.

    Raises:
        ConfigurationError: a variable has an unusable value; the message names it.
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("LECTURE_MEDIA_DATA_DIR") or DEFAULT_DATA_DIR)
    url = _store_url(env)
    store = open_store(url) if url else SqliteLectureStore(data_dir / "lectures.sqlite3")
    openai_key = env.get("OPENAI_API_KEY", "").strip()
    replicate_token = env.get("REPLICATE_API_TOKEN", "").strip()
    owned = None
    if http_client is None and replicate_token:
        # Downloads of Replicate outputs (videos): generous read timeout.
        http_client = owned = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0))
    local = LocalProvider()
    openai = _openai(env, openai_key)
    replicate = _replicate(env, replicate_token, http_client)
    return Services(
        store=store,
        assets=_asset_store(env, data_dir),
        prompts=openai or local,
        images=openai or local,
        speech=openai or local,
        music=replicate or local,
        video=replicate or local,
        chunk_size=_number(env, "LECTURE_MEDIA_CHUNK_SIZE", 5),
        images_per_segment=_number(env, "LECTURE_MEDIA_IMAGES_PER_SEGMENT", 2),
        max_polls=_number(env, "LECTURE_MEDIA_MAX_POLLS", 10),
        retries=_number(env, "LECTURE_MEDIA_RETRIES", 4),
        provider_concurrency=_number(env, "LECTURE_MEDIA_PROVIDER_CONCURRENCY", 10),
        poll_interval=datetime.timedelta(
            seconds=_number(env, "LECTURE_MEDIA_POLL_INTERVAL_SECONDS", 30)
        ),
        http_client=owned,
    )


def _openai(env: Mapping[str, str], key: str) -> OpenAIProvider | None:
    if not key:
        return None
    base_url = env.get("OPENAI_BASE_URL") or "https://api.openai.com"
    return OpenAIProvider(Secret(key, env_var="OPENAI_API_KEY"), base_url=base_url)


def _replicate(
    env: Mapping[str, str], token: str, client: httpx.AsyncClient | None
) -> ReplicateProvider | None:
    if not token:
        return None
    return ReplicateProvider(
        Secret(token, env_var="REPLICATE_API_TOKEN"),
        base_url=env.get("REPLICATE_BASE_URL") or "https://api.replicate.com",
        http_client=client,
        music_model=env.get("REPLICATE_MUSIC_MODEL") or DEFAULT_MUSIC_MODEL,
        video_model=env.get("REPLICATE_VIDEO_MODEL") or DEFAULT_VIDEO_MODEL,
        video_prompt_field=env.get("REPLICATE_VIDEO_PROMPT_FIELD") or None,
    )


def _asset_store(env: Mapping[str, str], data_dir: Path) -> AssetStore:
    url = env.get("LECTURE_ASSET_STORE_URL", "").strip()
    if url:
        return open_asset_store(url)  # checked as it opens
    store = LocalAssetStore(data_dir / "assets")
    store.check()
    return store


def _store_url(env: Mapping[str, str]) -> str | None:
    url = env.get("LECTURE_STORE_URL", "").strip()
    legacy = env.get("LECTURE_MEDIA_DATABASE_URL", "").strip()
    if url and legacy and url != legacy:
        raise ConfigurationError(
            "LECTURE_STORE_URL and LECTURE_MEDIA_DATABASE_URL (its older name) are both set "
            "and differ: keep LECTURE_STORE_URL only"
        )
    return url or legacy or None


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(
            f"{name}={raw!r} is not a whole number: set it to e.g. {default}, or unset it"
        ) from None
