"""Lecture-media pipelines: Inngest functions that generate images, narration, music and video.

Start with `build_functions` (the four Inngest functions), `Services` (what they depend on),
and `default_services` / `create_client` (configured from the environment). The per-media
building blocks live in `pipelines.orchestrators`, the providers in `pipelines.providers`,
persistence in `pipelines.store` and `pipelines.assets`, and the step budgets in
`pipelines.limits`.
"""

from __future__ import annotations

from pipelines.assets import AssetStore, LocalAssetStore
from pipelines.client import APP_ID, create_client, default_services
from pipelines.errors import (
    AssetStoreError,
    ConfigurationError,
    ErrorCode,
    InvalidRequestError,
    LectureNotFoundError,
    MediaGenerationError,
    PipelineError,
    StoreConfigurationError,
)
from pipelines.functions import FUNCTION_IDS, TRIGGERS, build_functions
from pipelines.limits import (
    step_count_images,
    step_count_music,
    step_count_narration,
    step_count_videos,
)
from pipelines.models import AssetKind, AssetRef, Lecture, Segment
from pipelines.services import Services
from pipelines.store import (
    LectureStore,
    SqliteLectureStore,
    create_sample_lecture,
    open_store,
    update_lecture_content,
)

__all__ = [
    "APP_ID",
    "FUNCTION_IDS",
    "TRIGGERS",
    "AssetKind",
    "AssetRef",
    "AssetStore",
    "AssetStoreError",
    "ConfigurationError",
    "ErrorCode",
    "InvalidRequestError",
    "Lecture",
    "LectureNotFoundError",
    "LectureStore",
    "LocalAssetStore",
    "MediaGenerationError",
    "PipelineError",
    "Segment",
    "Services",
    "SqliteLectureStore",
    "StoreConfigurationError",
    "build_functions",
    "create_client",
    "create_sample_lecture",
    "default_services",
    "open_store",
    "step_count_images",
    "step_count_music",
    "step_count_narration",
    "step_count_videos",
    "update_lecture_content",
]
