"""The ``validate`` step shared by every pipeline: who, what, and whether to run at all."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TypedDict

import inngest

from pipelines import limits
from pipelines._validation import parse_request
from pipelines.errors import InvalidRequestError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from pipelines.models import AssetKind, Lecture, LectureJSON, SlotResult
    from pipelines.services import Services

__all__ = ["Plan", "one_per_segment", "plan_generation", "plan_request"]


class Plan(TypedDict):
    """The memoized output of ``validate``: the lecture and the slots still to generate."""

    lecture_id: str
    skipped: bool
    reason: str
    force: bool
    lecture: LectureJSON | None
    slots: list[list[int]]
    reuse: list[SlotResult]


def one_per_segment(lecture: Lecture) -> list[tuple[int, int]]:
    """The slots of a kind with one asset per segment: ``(segment, 0)``."""
    return [(segment.index, 0) for segment in lecture.segments]


def plan_generation(
    ctx: inngest.Context,
    services: Services,
    *,
    kind: AssetKind,
    slots_of: Callable[[Lecture], list[tuple[int, int]]],
    check_budget: Callable[[Lecture], None],
    reusable: AssetKind | None = None,
) -> Callable[[], Awaitable[Plan]]:
    """Return the body of the ``validate`` step (the store is read in a worker thread)."""

    async def validate() -> Plan:
        return await asyncio.to_thread(
            plan_request,
            services,
            ctx.event.data,
            kind=kind,
            slots_of=slots_of,
            check_budget=check_budget,
            reusable=reusable,
        )

    return validate


def plan_request(
    services: Services,
    data: Mapping[str, object],
    *,
    kind: AssetKind,
    slots_of: Callable[[Lecture], list[tuple[int, int]]],
    check_budget: Callable[[Lecture], None],
    reusable: AssetKind | None = None,
) -> Plan:
    """Validate a generation request and decide which (segment, index) slots to generate.

    Without ``force``, slots that already hold a success are left alone, and a lecture whose
    every slot succeeded is skipped. With ``force``, every slot is regenerated.
    `reusable` names an intermediate kind (videos: their starting images) whose stored
    successes for the slots to generate are handed on in ``reuse`` instead of being paid
    for again, unless ``force``.

    Raises:
        inngest.NonRetriableError: malformed event, unknown lecture, a user who may not
            generate it, no segments, or a lecture too large for one Inngest run.
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
    check_budget(lecture)
    expected = slots_of(lecture)
    done = {(r.segment, r.index) for r in services.store.list_assets(lecture.id, kind) if r.ok}
    todo = expected if request.force else [slot for slot in expected if slot not in done]
    reuse: list[SlotResult] = []
    if reusable is not None and not request.force:
        wanted = set(todo)
        reuse = [
            {"segment": r.segment, "index": r.index, "result": r.result}
            for r in services.store.list_assets(lecture.id, reusable)
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
    }
    if not todo:
        plan["reason"] = (
            f"all {len(expected)} {kind.value} asset(s) of lecture {lecture.id!r} already exist; "
            "send force=true to regenerate them"
        )
    limits.check_output_size("validate", plan)
    return plan
