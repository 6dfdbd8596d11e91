"""A declared `Pipeline` as Inngest functions: the parent, and a child run per slice.

The parent: ``validate``, the optional ``prompts`` step, then rounds. Round 0 makes every
slot still missing; each follow-up round (`Services.follow_up_delays`) first sleeps, then
makes again exactly the slots whose last outcome failed with a retryable code (an outage
that outlasted the step's retries). A round either runs the phases here, chunk by chunk,
or, for a lecture that would pass the step limit, invokes a child run per slice of slots
(`pipelines.limits.plan_runs`). Every chunk is reported and persisted right after it runs.
Finally ``progress-{topic}-done`` publishes the summary.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING, Any

import inngest

from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.kit._chunks import Reporter, run_chunk, slot_result
from pipelines.kit._declare import AssetJob, slot_key
from pipelines.kit._flow import function_options
from pipelines.kit._ledger import ChildOutput, Ledger, Unrecorded
from pipelines.kit._plan import plan_generation
from pipelines.kit._summary import skipped, summarize
from pipelines.models import Lecture
from pipelines.orchestrators import failure, failure_from_step_error

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from pipelines.kit._declare import Phase, Pipeline, Slot
    from pipelines.kit._plan import Plan
    from pipelines.models import AssetFailure, AssetOutcome, SlotResult
    from pipelines.services import Services

__all__ = ["build_function", "slice_trigger"]


def slice_trigger(pipeline: Pipeline) -> str:
    """The event of a pipeline's child runs (sent only by ``step.invoke``)."""
    return f"{pipeline.trigger}.slice"


def build_function(
    client: inngest.Inngest, services: Services, pipeline: Pipeline
) -> list[inngest.Function[Any]]:
    """The pipeline's Inngest functions: ``[parent, child]`` (the child is ``{id}-slice``)."""
    providers = list(dict.fromkeys(phase.provider(services) for phase in pipeline.phases))
    parent_options = function_options(
        client,
        services,
        fn_id=pipeline.function_id,
        trigger=pipeline.trigger,
        topic=pipeline.topic,
        providers=providers,
    )
    child_options = {
        **parent_options,
        "fn_id": f"{pipeline.function_id}-slice",
        "trigger": inngest.TriggerEvent(event=slice_trigger(pipeline)),
        # The parent runs its slices one after the other and reports failures itself.
        "singleton": None,
        "idempotency": None,
        "on_failure": None,
    }

    @client.create_function(**child_options)
    async def child(ctx: inngest.Context) -> ChildOutput:
        return await _run_slice(ctx, client, services, pipeline)

    @client.create_function(**parent_options)
    async def parent(ctx: inngest.Context) -> dict[str, object]:
        return await _run_parent(ctx, client, services, pipeline, child)

    return [parent, child]


async def _run_parent(
    ctx: inngest.Context,
    client: inngest.Inngest,
    services: Services,
    pipeline: Pipeline,
    child: inngest.Function[Any],
) -> dict[str, object]:
    plan = await ctx.step.run("validate", plan_generation(ctx, services, pipeline))
    if plan["skipped"] or plan["lecture"] is None:
        return skipped(plan, pipeline.topic)
    lecture = Lecture.from_json(plan["lecture"])
    slots: list[Slot] = [(s, i) for s, i in plan["slots"]]
    force = plan["force"]
    prepared = await _prepare(ctx, services, pipeline, lecture, slots)
    reporter = Reporter(ctx, client, services, lecture.id, pipeline.topic)
    reuse = _reuse(pipeline, plan)
    ledger = Ledger(reuse)
    # A plan without "slice_size" was written by the first release: the run started before
    # this code was deployed, and its steps after the memoized ones must keep that
    # release's order (chunks reported, then one persist step, no follow-ups).
    first_release = "slice_size" not in plan
    delays = () if first_release else services.follow_up_delays
    todo = slots
    for round_ in range(len(delays) + 1):
        suffix = f"-r{round_}" if round_ else ""
        if round_:
            todo = ledger.retryable(pipeline.kind, todo)
            if not todo:
                break
            await ctx.step.sleep(f"follow-up-{pipeline.topic}{suffix}", delays[round_ - 1])
        follow_up = round_ < len(delays)
        size = plan.get("slice_size", 0)
        if size:
            for k in range(math.ceil(len(todo) / size)):
                part = todo[k * size : (k + 1) * size]
                data = {
                    "lecture_id": lecture.id,
                    "parent_run_id": ctx.run_id,
                    "slots": [list(slot) for slot in part],
                    "prepared": {slot_key(s): prepared[slot_key(s)] for s in part if prepared},
                    "reuse": {p.kind: ledger.results(p.kind, part) for p in pipeline.phases[:-1]},
                    "suffix": suffix,
                    "follow_up": follow_up,
                    "force": force,
                }
                try:
                    out = await ctx.step.invoke(
                        f"slice-{pipeline.topic}-{k}{suffix}", function=child, data=data
                    )
                except inngest.StepError as err:
                    out = _failed_slice(pipeline, part, err)
                ledger.absorb(out)
        else:
            await run_round(
                ctx,
                services,
                pipeline,
                lecture,
                todo,
                prepared,
                ledger,
                reporter,
                suffix=suffix,
                follow_up=follow_up,
                force=force,
                record=not first_release,
            )
        if first_release:
            batch: list[Unrecorded] = [
                {"kind": p.kind, "results": ledger.results(p.kind, todo)} for p in pipeline.phases
            ]
            await ledger.persist(
                ctx, services, f"persist-{pipeline.topic}", lecture.id, batch, force=force
            )
            continue
        await ledger.retry_unrecorded(
            ctx, services, f"persist-{pipeline.topic}-unrecorded{suffix}", lecture.id, force=force
        )
    if ledger.unrecorded:
        count = sum(len(entry["results"]) for entry in ledger.unrecorded)
        raise inngest.NonRetriableError(
            f"DATABASE_UNAVAILABLE: {count} outcome(s) could not be recorded after every "
            f"round; the media is in the asset store, but a rerun will make them again"
        )
    summary = summarize(
        lecture.id,
        pipeline.topic,
        ledger.results(pipeline.kind, slots),
        {"written": ledger.written, "kept": ledger.kept},
    )
    if len(pipeline.phases) > 1:
        summary[f"{pipeline.phases[0].kind}s_reused"] = len(reuse.get(pipeline.phases[0].kind, []))
    await reporter.completed(summary)
    return summary


def _reuse(pipeline: Pipeline, plan: Plan) -> dict[str, list[SlotResult]]:
    reuse: Any = plan.get("reuse") or {}
    if isinstance(reuse, list):
        # An earlier release's plan (a run in flight across a deploy): the stored successes
        # of the one intermediate kind.
        return {pipeline.phases[0].kind: reuse} if len(pipeline.phases) > 1 else {}
    return dict(reuse)


async def _run_slice(
    ctx: inngest.Context, client: inngest.Inngest, services: Services, pipeline: Pipeline
) -> ChildOutput:
    data = ctx.event.data
    lecture_id, slots = _slice_request(pipeline, data)
    wanted, wanted_slots = {s for s, _ in slots}, set(slots)
    force = bool(data.get("force"))

    def read() -> dict[str, Any]:
        lecture = services.store.get_lecture(lecture_id)
        if lecture is None:
            raise inngest.NonRetriableError(f"lecture {lecture_id!r} does not exist")
        segments = [s.to_json() for s in lecture.segments if s.index in wanted or s.index == 0]
        # What is stored already (a retried slice whose first child got part of the way)
        # is not bought again, unless forced.
        stored = {
            p.kind: [
                {"segment": r.segment, "index": r.index, "result": r.result}
                for r in services.store.list_assets(lecture_id, p.kind)
                if r.ok and (r.segment, r.index) in wanted_slots
            ]
            for p in pipeline.phases
        }
        return {"lecture": {**lecture.to_json(), "segments": segments}, "stored": stored}

    async def load() -> dict[str, Any]:
        return await asyncio.to_thread(read)

    loaded = await ctx.step.run("load", load)
    lecture = Lecture.from_json(loaded["lecture"])
    reuse = data.get("reuse") or {}
    prepared = data.get("prepared") or {}
    if not isinstance(reuse, dict) or not isinstance(prepared, dict):
        raise inngest.NonRetriableError(_not_a_slice(pipeline, "reuse and prepared are objects"))
    ledger = Ledger(reuse)
    if not force:
        for kind, items in loaded["stored"].items():
            ledger.record(kind, items)
    todo = slots if force else [s for s in slots if not ledger.ok(pipeline.kind, s)]
    parent_run_id = str(data.get("parent_run_id") or "")
    reporter = Reporter(ctx, client, services, lecture_id, pipeline.topic, parent_run_id)
    await run_round(
        ctx,
        services,
        pipeline,
        lecture,
        todo,
        prepared,
        ledger,
        reporter,
        suffix=str(data.get("suffix") or ""),
        follow_up=bool(data.get("follow_up")),
        force=force,
    )
    return {
        "outcomes": {p.kind: ledger.results(p.kind, slots) for p in pipeline.phases},
        "unrecorded": ledger.unrecorded,
        "written": ledger.written,
        "kept": ledger.kept,
    }


def _slice_request(pipeline: Pipeline, data: Any) -> tuple[str, list[Slot]]:
    """The lecture and slots of a child run's event (sent by the parent's ``step.invoke``)."""
    lecture_id, raw = data.get("lecture_id"), data.get("slots")
    try:
        slots = [(int(s), int(i)) for s, i in raw]
    except (TypeError, ValueError):
        slots = []
    if not isinstance(lecture_id, str) or not slots:
        raise inngest.NonRetriableError(
            _not_a_slice(pipeline, "lecture_id is a string and slots a list of [segment, index]")
        )
    return lecture_id, slots


def _not_a_slice(pipeline: Pipeline, rule: str) -> str:
    return (
        f"{pipeline.function_id}-slice runs one slice of a long lecture for its parent run "
        f"(step.invoke); its event data must say so ({rule}): send "
        f"{pipeline.trigger!r} instead"
    )


async def run_round(
    ctx: inngest.Context,
    services: Services,
    pipeline: Pipeline,
    lecture: Lecture,
    slots: Sequence[Slot],
    prepared: dict[str, Any],
    ledger: Ledger,
    reporter: Reporter,
    *,
    suffix: str,
    follow_up: bool,
    force: bool,
    record: bool = True,
) -> None:
    """Make `slots` through every phase, chunk by chunk: each chunk's asset steps in
    parallel, then its ``progress-{label}-{chunk}`` and ``persist-{label}-{chunk}`` steps.

    Progress goes first: that is the order runs of the first release memoized (a chunk's
    progress step right after its assets). Without `record` (a run of that release, see
    `_run_parent`) no chunk is persisted here.
    """
    chunk_size = services.chunk_size
    previous: Phase | None = None
    for phase in pipeline.phases:
        final = phase is pipeline.phases[-1]
        # An intermediate asset already made (stored, or in an earlier round) is reused.
        todo = list(slots) if final else [s for s in slots if not ledger.ok(phase.kind, s)]
        calls = [
            _asset_call(
                ctx, services, pipeline, phase, previous, lecture, slot, prepared, ledger, suffix
            )
            for slot in todo
        ]
        label = pipeline.label(phase)
        chunks = math.ceil(len(calls) / chunk_size)
        done = 0
        for chunk in range(chunks):
            outputs = await run_chunk(ctx, calls[chunk * chunk_size : (chunk + 1) * chunk_size])
            done += len(outputs)
            ledger.record(phase.kind, outputs)
            await reporter.chunk(
                label,
                phase.kind,
                (chunk, chunks),
                (done, len(calls)),
                outputs,
                suffix=suffix,
                follow_up=follow_up and final,
            )
            if not record:
                continue
            await ledger.persist(
                ctx,
                services,
                f"persist-{label}-{chunk}{suffix}",
                lecture.id,
                [{"kind": phase.kind, "results": outputs}],
                force=force,
            )
        previous = phase


def _asset_call(
    ctx: inngest.Context,
    services: Services,
    pipeline: Pipeline,
    phase: Phase,
    previous: Phase | None,
    lecture: Lecture,
    slot: Slot,
    prepared: dict[str, Any],
    ledger: Ledger,
    suffix: str,
) -> Callable[[], Awaitable[SlotResult]]:
    segment_index, index = slot
    by_index = {s.index: s for s in lecture.segments}

    async def call() -> SlotResult:
        ref = None
        if previous is not None:
            before = ledger.outcome(previous.kind, slot)
            if before is None or not before["ok"]:
                return slot_result(segment_index, index, _no_input(phase, previous, before))
            ref = before["asset"]
        job = AssetJob(
            ctx=ctx,
            services=services,
            lecture=lecture,
            segment=by_index.get(segment_index, lecture.segments[0]),
            index=index,
            stem=phase.asset_step(slot),
            prepared=prepared.get(slot_key(slot)),
            previous=ref,
            suffix=suffix,
        )
        result: AssetOutcome
        try:
            result = await phase.make(job)
        except inngest.StepError as err:
            result = failure_from_step_error(err, phase.provider(services).name)
        return slot_result(segment_index, index, result)

    return call


def _no_input(phase: Phase, previous: Phase, before: AssetOutcome | None) -> AssetFailure:
    if before is None or before["ok"]:
        reason = MediaGenerationError(
            ErrorCode.UNKNOWN, f"no {previous.kind} was made for this slot", provider="pipeline"
        )
        return failure(reason)
    error = before["error"]
    # Keeps the cause's code, so a follow-up round retries the pair when the cause may pass.
    return failure(
        MediaGenerationError(
            error["code"],
            f"no {phase.name}: the {previous.name.replace('-', ' ')} failed ({error['message']})",
            provider=error["provider"],
            user_action_required=error["user_action_required"],
        )
    )


def _failed_slice(pipeline: Pipeline, part: Sequence[Slot], err: inngest.StepError) -> ChildOutput:
    # A child run that failed for good: its slots count as failed with its error (they
    # were recorded chunk by chunk as far as the child got, and the next round retries).
    error = failure_from_step_error(err, "pipeline")
    results = [slot_result(s, i, error) for s, i in part]
    return {"outcomes": {pipeline.kind: results}, "unrecorded": [], "written": 0, "kept": 0}


async def _prepare(
    ctx: inngest.Context,
    services: Services,
    pipeline: Pipeline,
    lecture: Lecture,
    slots: list[Slot],
) -> dict[str, Any]:
    prepare = pipeline.prepare
    if prepare is None:
        return {}
    wanted = {segment for segment, _ in slots}
    subset = Lecture(
        lecture.id,
        lecture.owner_user_id,
        lecture.title,
        tuple(s for s in lecture.segments if s.index in wanted),
    )

    async def write() -> dict[str, Any]:
        return await prepare.build(subset, slots, services)

    try:
        written: Any = await ctx.step.run(prepare.step_id, write)
    except inngest.StepError:
        # The prompt model is a nicety: the briefs themselves still make usable prompts.
        return prepare.fallback(subset, slots, services)
    if isinstance(written, list) and prepare.read_list is not None:
        return prepare.read_list(written)  # memoized by an earlier release (a run in flight)
    assert isinstance(written, dict)
    return written
