"""Lecture-media pipelines: Inngest functions that generate images, narration, music and video.

Start with `build_functions` (the Inngest functions of the four built-in `PIPELINES`),
`Services` (what they depend on), `pipelines.kit` (declaring a pipeline of your own),
and `default_services` / `create_client` (configured from the environment). The per-media
building blocks live in `pipelines.orchestrators`, the providers in `pipelines.providers`,
persistence in `pipelines.store` (SQLite or PostgreSQL) and `pipelines.assets` (a local
directory or S3), the progress contract in `pipelines.progress`, and the step budgets in
`pipelines.limits`.
"""

from __future__ import annotations

from pipelines.assets import AssetStore, LocalAssetStore, ObjectAssetStore, open_asset_store
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
from pipelines.functions import FUNCTION_IDS, PIPELINES, TRIGGERS, build_functions
from pipelines.kit import Phase, Pipeline, Prepare
from pipelines.limits import step_count, step_table
from pipelines.models import AssetKind, AssetRef, Lecture, Segment
from pipelines.progress import ProgressFeed
from pipelines.services import Services
from pipelines.store import (
    LectureStore,
    SqliteLectureStore,
    SqlLectureStore,
    create_sample_lecture,
    open_store,
    update_lecture_content,
)

__all__ = [
    "APP_ID",
    "FUNCTION_IDS",
    "PIPELINES",
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
    "ObjectAssetStore",
    "Phase",
    "Pipeline",
    "PipelineError",
    "Prepare",
    "ProgressFeed",
    "Segment",
    "Services",
    "SqlLectureStore",
    "SqliteLectureStore",
    "StoreConfigurationError",
    "build_functions",
    "create_client",
    "create_sample_lecture",
    "default_services",
    "open_asset_store",
    "open_store",
    "step_count",
    "step_table",
    "update_lecture_content",
]
