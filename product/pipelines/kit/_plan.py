"""The ``validate`` step of every pipeline: who, what, whether to run, and in how many runs."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypedDict

import inngest

from pipelines import limits
from pipelines._validation import parse_request
from pipelines.errors import InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pipelines.kit._declare import Pipeline
    from pipelines.models import LectureJSON, SlotResult
    from pipelines.services import Services

__all__ = ["Plan", "plan_generation", "plan_request"]


class Plan(TypedDict, total=False):
    """The memoized output of ``validate``: the lecture and the slots still to generate.

    Read with ``.get`` where a field is newer than the first release (``slice_size``) or
    changed shape (``reuse`` was a list): a run in flight across a deploy replays the
    output its own release wrote.
    """

    lecture_id: str
    skipped: bool
    reason: str
    force: bool
    lecture: LectureJSON | None
    slots: list[list[int]]
    # Stored successes of the intermediate phases for those slots, by kind (not paid again).
    reuse: dict[str, list[SlotResult]]
    # Slots per child run; 0 when the whole lecture fits in this run.
    slice_size: int


def plan_generation(
    ctx: inngest.Context, services: Services, pipeline: Pipeline
) -> Callable[[], Awaitable[Plan]]:
    """Return the body of the ``validate`` step (the store is read in a worker thread)."""

    async def validate() -> Plan:
        return await asyncio.to_thread(plan_request, services, ctx.event.data, pipeline)

    return validate


def plan_request(services: Services, data: Mapping[str, object], pipeline: Pipeline) -> Plan:
    """Validate a generation request and decide which (segment, index) slots to generate.

    Without ``force``, slots that already hold a success are left alone (a rerun pays only
    for what is missing), and a lecture whose every slot succeeded is skipped; with
    ``force``, every slot is regenerated. Stored successes of intermediate phases (videos'
    starting images) are handed on in ``reuse`` unless ``force``.

    Raises:
        inngest.NonRetriableError: malformed event, unknown lecture, a user who may not
            generate it, no segments, or a lecture too large even for splitting.
    """
    try:
        request = parse_request(data)
    except InvalidRequestError as err:
        raise inngest.NonRetriableError(f"invalid event data: {err}") from None
    lecture = services.store.get_lecture(request.lecture_id)
    if lecture is None:
        raise inngest.NonRetriableError(
            f"lecture {request.lecture_id!r} does not exist: check the event's lecture_id"
        )
    if lecture.owner_user_id != request.user_id:
        raise inngest.NonRetriableError(
            f"user {request.user_id!r} may not generate media for lecture {lecture.id!r}: "
            "only the lecture's owner can"
        )
    if not lecture.segments:
        raise inngest.NonRetriableError(
            f"lecture {lecture.id!r} has no segments: add segments before generating media"
        )
    expected = pipeline.slots(lecture, services)
    done = {
        (r.segment, r.index) for r in services.store.list_assets(lecture.id, pipeline.kind) if r.ok
    }
    todo = expected if request.force else [slot for slot in expected if slot not in done]
    slice_size = limits.plan_runs(pipeline, services, len(todo)) if todo else 0
    reuse: dict[str, list[SlotResult]] = {}
    if not request.force:
        wanted = set(todo)
        for phase in pipeline.phases[:-1]:
            reuse[phase.kind] = [
                {"segment": r.segment, "index": r.index, "result": r.result}
                for r in services.store.list_assets(lecture.id, phase.kind)
                if r.ok and (r.segment, r.index) in wanted
            ]
    plan: Plan = {
        "lecture_id": lecture.id,
        "skipped": not todo,
        "reason": "",
        "force": request.force,
        "lecture": lecture.to_json() if todo else None,
        "slots": [list(slot) for slot in todo],
        "reuse": reuse,
        "slice_size": slice_size,
    }
    if not todo:
        plan["reason"] = (
            f"all {len(expected)} {pipeline.kind} asset(s) of lecture {lecture.id!r} already "
            "exist; send force=true to regenerate them"
        )
    limits.check_output_size("validate", plan)
    return plan
