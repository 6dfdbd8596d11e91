"""Declaring a pipeline: its phases, its per-asset work, and its worst-case step count.

A `Pipeline` is data: which slots a lecture has (one per segment, I per segment, one per
lecture), an optional ``prompts`` step, and one or more `Phase` s, each making one asset
per slot through its `make` coroutine. `pipelines.kit.build_function` turns it into an
Inngest function (see `pipelines.kit` for the run's shape).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, TypeAlias

from pipelines.models import register_asset_kind
from pipelines.orchestrators import AssetContext, render_timeout

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    import inngest

    from pipelines.models import AssetFailure, AssetOutcome, AssetRef, Lecture, Segment
    from pipelines.orchestrators import RenderPoll, RenderStarted
    from pipelines.providers import Provider
    from pipelines.services import Services

__all__ = [
    "RENDER_FORMULA",
    "AssetJob",
    "Phase",
    "Pipeline",
    "Prepare",
    "Slot",
    "one_per_lecture",
    "one_per_segment",
    "render_steps",
    "slot_key",
    "steps_of_round",
]

Slot: TypeAlias = tuple[int, int]


def one_per_segment(lecture: Lecture, _services: Services) -> list[Slot]:
    """The slots of a kind with one asset per segment: ``(segment, 0)``."""
    return [(segment.index, 0) for segment in lecture.segments]


def one_per_lecture(_lecture: Lecture, _services: Services) -> list[Slot]:
    """The slot of a lecture-wide asset (music): ``(0, 0)``."""
    return [(0, 0)]


def slot_key(slot: Sequence[int]) -> str:
    """The key of a slot in JSON maps (prepared prompts): ``"{segment}/{index}"``."""
    return f"{slot[0]}/{slot[1]}"


def _one(_services: Services) -> int:
    return 1


# The worst case of one `AssetJob.render`: the start, then P sleeps and P polls.
RENDER_FORMULA = "1+2*P"


def render_steps(services: Services) -> int:
    """Worst-case steps of one `AssetJob.render` (a phase's ``steps_per_asset``)."""
    return 1 + 2 * services.max_polls


@dataclasses.dataclass(frozen=True, slots=True)
class AssetJob:
    """What a phase's `make` gets for one slot.

    Run the asset's work in steps named with `step_id` (it appends the follow-up round's
    suffix); a `inngest.StepError` that escapes `make` becomes the asset's recorded failure.
    """

    ctx: inngest.Context
    services: Services
    lecture: Lecture
    segment: Segment
    index: int
    stem: str
    prepared: Any
    previous: AssetRef | None
    suffix: str

    def step_id(self, stem: str) -> str:
        """The id of one of this asset's steps: `stem` plus the round's suffix."""
        return f"{stem}{self.suffix}"

    def context(self) -> AssetContext:
        """The `AssetContext` of the current attempt (call it inside a step's body)."""
        return AssetContext(
            run_id=self.ctx.run_id,
            segment=self.segment.index,
            index=self.index,
            attempt=self.ctx.attempt,
            max_attempts=self.services.max_attempts,
        )

    async def step(self, body: Callable[[], Awaitable[AssetOutcome]]) -> AssetOutcome:
        """Run `body` as the asset's one step, ``{stem}{suffix}``."""
        return await self.ctx.step.run(self.step_id(self.stem), body)

    async def render(
        self,
        stem: str,
        start: Callable[[], Awaitable[RenderStarted | AssetFailure]],
        poll: Callable[[str], Callable[[], Awaitable[RenderPoll]]],
        *,
        provider: str,
        per_segment: bool = True,
    ) -> AssetOutcome:
        """Start a render in ``{stem}-start-{segment}``, then up to P rounds of
        ``{stem}-wait-{segment}-{n}`` (a sleep) and ``{stem}-poll-{segment}-{n}``.

        With ``per_segment=False`` the segment is left out of the ids (the lecture's one
        music track). A render still running after the last poll is a ``TIMEOUT`` failure.
        """
        tail = f"-{self.segment.index}" if per_segment else ""
        started = await self.ctx.step.run(self.step_id(f"{stem}-start{tail}"), start)
        if not started["ok"]:
            return started
        render_id = started["prediction_id"]
        body = poll(render_id)
        for n in range(self.services.max_polls):
            await self.ctx.step.sleep(
                self.step_id(f"{stem}-wait{tail}-{n}"), self.services.poll_interval
            )
            polled = await self.ctx.step.run(self.step_id(f"{stem}-poll{tail}-{n}"), body)
            if polled["result"] is not None:
                return polled["result"]
        return render_timeout(render_id, self.services.max_polls, provider)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Phase:
    """One asset per slot, made by `make`, stored as `kind`.

    Args:
        name: The stem of the asset's step ids: ``{name}-{segment}`` (``-{index}`` too when
            `indexed`).
        kind: The stored asset kind; declaring the phase registers it.
        provider: The provider the phase pays (for the concurrency key and failure records).
        make: The asset's work (see `AssetJob`); follows the single-asset contract.
        label: The phase's name in progress messages and in its ``progress-``/``persist-``
            step ids; the pipeline's topic for the last phase by default, else ``name + "s"``.
        indexed: Whether a segment has several assets of this phase (images).
        steps_per_asset: Worst-case steps of one asset (1 for a single step).
        per_asset_formula: The same, in symbols, for the step-count table (e.g. ``2+2*P``).
    """

    name: str
    kind: str
    provider: Callable[[Services], Provider]
    make: Callable[[AssetJob], Awaitable[AssetOutcome]]
    label: str | None = None
    indexed: bool = False
    steps_per_asset: Callable[[Services], int] = _one
    per_asset_formula: str = "1"

    def __post_init__(self) -> None:
        register_asset_kind(self.kind)

    def asset_step(self, slot: Slot) -> str:
        """The stem of the step id of `slot`'s asset."""
        segment, index = slot
        return f"{self.name}-{segment}-{index}" if self.indexed else f"{self.name}-{segment}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Prepare:
    """A ``prompts`` step before the assets: per-slot inputs written by a model.

    Args:
        build: Writes the inputs of the slots (``slot_key`` -> JSON value) inside the step.
        fallback: Inputs without the model, used when the step fails for good.
        step_id: The step's id.
        read_list: Reads the step's output as an earlier release memoized it (a list of
            prompts), so a run in flight across a deploy keeps its paid-for prompts.
    """

    build: Callable[[Lecture, list[Slot], Services], Awaitable[dict[str, Any]]]
    fallback: Callable[[Lecture, list[Slot], Services], dict[str, Any]]
    step_id: str = "prompts"
    read_list: Callable[[list[Any]], dict[str, Any]] | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Pipeline:
    """A per-asset, chunked, persisted pipeline (see `pipelines.kit`).

    Args:
        function_id: The Inngest function id.
        trigger: The event that requests it.
        topic: Its progress topic on the lecture's realtime channel.
        phases: The phases, in order; a later phase runs only for slots whose previous
            phase succeeded (its `AssetJob.previous` is that asset), and the last phase's
            kind decides which slots are done.
        slots: The lecture's slots.
        slots_formula: The number of slots in symbols, for the step-count table.
        prepare: An optional ``prompts`` step.
    """

    function_id: str
    trigger: str
    topic: str
    phases: tuple[Phase, ...]
    slots: Callable[[Lecture, Services], list[Slot]] = one_per_segment
    slots_formula: str = "S"
    prepare: Prepare | None = None

    def __post_init__(self) -> None:
        if not self.phases:
            raise ValueError(f"pipeline {self.function_id!r} declares no phase")

    @property
    def kind(self) -> str:
        """The kind of the last phase: a slot holding one is done."""
        return self.phases[-1].kind

    def label(self, phase: Phase) -> str:
        """The progress name of `phase`."""
        if phase.label is not None:
            return phase.label
        return self.topic if phase is self.phases[-1] else f"{phase.name}s"

    def round_steps(self, services: Services, assets: int) -> int:
        """Worst-case steps of one round over `assets` slots (every phase, every chunk)."""
        return steps_of_round(
            [phase.steps_per_asset(services) for phase in self.phases],
            assets,
            services.chunk_size,
        )

    def fixed_steps(self) -> int:
        """``validate``, the ``prompts`` step if any, and the terminal progress step."""
        return 2 + (1 if self.prepare is not None else 0)

    def formula(self) -> str:
        """The worst-case step count of one inline round, in symbols (S segments, I images
        per segment, C chunk size, P polls); follow-up rounds add their own (see
        `pipelines.kit`)."""
        n = self.slots_formula
        parts = [str(self.fixed_steps())]
        for phase in self.phases:
            per = phase.per_asset_formula
            if n == "1":
                parts.extend([f"({per})" if "+" in per else per, "2"])
                continue
            parts.append(n if per == "1" else f"{n}*({per})")
            parts.append(f"2*ceil({n}/C)")
        return " + ".join(parts)


def steps_of_round(per_asset: Sequence[int], assets: int, chunk_size: int) -> int:
    """Steps of one round: each phase's asset steps plus a persist and a progress step per
    chunk."""
    chunks = math.ceil(assets / chunk_size)
    return sum(assets * steps + 2 * chunks for steps in per_asset)
