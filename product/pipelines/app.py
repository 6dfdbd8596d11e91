"""The FastAPI app serving the four functions to an Inngest server.

Run it against the local dev server::

    INNGEST_DEV=1 .venv/bin/uvicorn --factory pipelines.app:create_app --port 8000
    npx inngest-cli@latest dev -u http://127.0.0.1:8000/api/inngest
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import fastapi
import inngest.fast_api

from pipelines.client import create_client, default_services
from pipelines.functions import build_functions

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from pipelines.services import Services

__all__ = ["create_app"]


def create_app(
    client: inngest.Inngest | None = None, services: Services | None = None
) -> fastapi.FastAPI:
    """Return a FastAPI app serving the pipelines at ``/api/inngest``.

    A factory (``uvicorn --factory``) rather than a module-level app, so importing this
    module has no side effects: services read the environment and create the data
    directory only when an app is actually built.

    Args:
        client: The Inngest client; `create_client()` by default.
        services: The injected services; `default_services()` by default.
    """
    client = client or create_client()
    services = services or default_services()

    @contextlib.asynccontextmanager
    async def lifespan(_app: fastapi.FastAPI) -> AsyncIterator[None]:
        yield
        await services.aclose()

    app = fastapi.FastAPI(title="lecture-media pipelines", lifespan=lifespan)
    inngest.fast_api.serve(app, client, build_functions(client, services))
    return app
