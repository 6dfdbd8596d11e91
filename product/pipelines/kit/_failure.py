"""The ``on_failure`` handler: the terminal ``failed`` progress message of a run.

Inngest runs it (as its own run, with its own retries) when a pipeline run fails for
good: bad input refused by ``validate``, a lecture deleted mid-run, retries exhausted
outside a per-asset step. It tells the lecture's subscribers which run failed and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines._validation import check_lecture_id
from pipelines.errors import InvalidRequestError
from pipelines.kit._chunks import publish_step
from pipelines.progress import FINAL_SEQ, PROGRESS_VERSION

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import inngest

    from pipelines.services import Services

__all__ = ["failure_handler"]

_MAX_ERROR_CHARS = 500


def failure_handler(
    client: inngest.Inngest, services: Services, topic: str
) -> Callable[[inngest.Context], Awaitable[None]]:
    """Return the ``on_failure`` handler of the pipeline publishing on `topic`."""

    async def on_failure(ctx: inngest.Context) -> None:
        data = ctx.event.data
        original = data.get("event")
        request = original.get("data") if isinstance(original, dict) else None
        lecture_id = request.get("lecture_id") if isinstance(request, dict) else None
        try:
            check_lecture_id(lecture_id)
        except InvalidRequestError:
            # No channel to tell: the request named no valid lecture.
            ctx.logger.warning("run %s failed for an invalid lecture id", data.get("run_id"))
            return
        assert isinstance(lecture_id, str)
        message: dict[str, object] = {
            "v": PROGRESS_VERSION,
            "run_id": str(data.get("run_id", "")),
            "lecture_id": lecture_id,
            "kind": topic,
            "phase": topic,
            "seq": FINAL_SEQ,
            "status": "failed",
            "error": _error(data.get("error")),
        }

        async def build() -> dict[str, object]:
            return message

        await publish_step(ctx, client, services, "progress-failed", lecture_id, topic, build)

    return on_failure


def _error(error: Any) -> dict[str, object]:
    if not isinstance(error, dict):
        return {"name": "Error", "message": "the run failed"}
    message = str(error.get("message", ""))[:_MAX_ERROR_CHARS]
    return {"name": str(error.get("name", "Error")), "message": message}
