"""The FastAPI app: the pipelines' functions for Inngest, and the realtime token route.

Run it against the local dev server::

    INNGEST_DEV=1 .venv/bin/uvicorn --factory pipelines.app:create_app --port 8000
    npx inngest-cli@latest dev -u http://127.0.0.1:8000/api/inngest

Routes:

* ``/api/inngest``: the Inngest serve endpoint (signed requests in production);
* ``POST /api/lectures/{lecture_id}/realtime-token``: a subscription token for the
  lecture's progress channel, for its owner only (the caller is identified by
  `pipelines._auth`); the browser hands it to ``@inngest/realtime``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypeAlias

import fastapi
import inngest
import inngest.fast_api
from inngest.experimental import realtime

from pipelines._auth import Authenticator, default_authenticator
from pipelines._validation import check_lecture_id
from pipelines.client import create_client, default_services
from pipelines.errors import InvalidRequestError
from pipelines.functions import PIPELINES, build_functions, topics
from pipelines.progress import channel_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from pipelines.kit import Pipeline
    from pipelines.services import Services

__all__ = ["TokenIssuer", "create_app"]

TokenIssuer: TypeAlias = Callable[
    [inngest.Inngest, str, list[str]], Awaitable[Mapping[str, object]]
]


def create_app(
    client: inngest.Inngest | None = None,
    services: Services | None = None,
    *,
    authenticate: Authenticator | None = None,
    issue_token: TokenIssuer = realtime.get_subscription_token,
    functions: Sequence[Pipeline] = PIPELINES,
) -> fastapi.FastAPI:
    """Return a FastAPI app serving the pipelines and the realtime token route.

    A factory (``uvicorn --factory``) rather than a module-level app, so importing this
    module has no side effects: services read the environment and create the data
    directory only when an app is actually built.

    Args:
        client: The Inngest client; `create_client()` by default.
        services: The injected services; `default_services()` by default.
        authenticate: Identifies the caller of the token route (returns the user id or
            raises `fastapi.HTTPException`); from the environment by default.
        issue_token: Asks Inngest for a subscription token; the SDK's by default.
        functions: The pipelines to serve (the built-in four by default; add your own
            `pipelines.kit.Pipeline` s). The token covers exactly their topics.
    """
    client = client or create_client()
    services = services or default_services()
    authenticate = authenticate or default_authenticator(
        os.environ, is_production=client.is_production
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: fastapi.FastAPI) -> AsyncIterator[None]:
        yield
        await services.aclose()

    app = fastapi.FastAPI(title="lecture-media pipelines", lifespan=lifespan)
    inngest.fast_api.serve(app, client, build_functions(client, services, functions))
    covered = topics(functions)

    @app.post("/api/lectures/{lecture_id}/realtime-token")
    async def realtime_token(lecture_id: str, request: fastapi.Request) -> Mapping[str, object]:
        """A token to subscribe to the lecture's progress (owner only)."""
        try:
            check_lecture_id(lecture_id)
        except InvalidRequestError as err:
            raise fastapi.HTTPException(400, str(err)) from None
        user = await authenticate(request)
        lecture = await asyncio.to_thread(services.store.get_lecture, lecture_id)
        # The same answer for "no such lecture" and "not yours": ids are not enumerable.
        if lecture is None or lecture.owner_user_id != user:
            raise fastapi.HTTPException(404, f"no lecture {lecture_id!r} belongs to this user")
        return await issue_token(client, channel_for(lecture_id), list(covered))

    return app
