"""Property: whatever a provider answers, each asset ends as the error model says.

Hypothesis scripts, per segment, the provider's first answers (retryable errors, some
with a Retry-After; refusals), and the pipeline runs end to end on the simulator. The
failures start in the provider, so they go through the pipelines' own classification:
`escalate` (RetryAfterError, or the plain error on the last attempt), the exhausted step,
the recorded code. No step body is replaced.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import inngest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from inngest_sim import Backoff, Simulator
from pipelines import Services, build_functions
from pipelines.errors import ErrorCode, MediaGenerationError
from pipelines.models import AssetKind, GeneratedMedia, Lecture, Segment
from pipelines.providers import LocalProvider

SEGMENTS = 3
RETRIES = 2
ANSWERS = (
    ErrorCode.RATE_LIMITED,  # with a Retry-After
    ErrorCode.PROVIDER_UNAVAILABLE,
    ErrorCode.TIMEOUT,
    ErrorCode.SENSITIVE_CONTENT,  # refusals: not retryable
    ErrorCode.QUOTA_EXCEEDED,
)
scripts = st.lists(
    st.lists(st.sampled_from(ANSWERS), max_size=RETRIES + 2), min_size=SEGMENTS, max_size=SEGMENTS
)


class ScriptedSpeech(LocalProvider):
    """The local provider, answering each segment's first calls from its script."""

    def __init__(self, script: list[list[ErrorCode]]) -> None:
        super().__init__()
        self.script = [list(answers) for answers in script]

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        segment = int(text.split()[1].rstrip("."))
        if self.script[segment]:
            code = self.script[segment].pop(0)
            delay = 1.0 if code is ErrorCode.RATE_LIMITED else None
            raise MediaGenerationError(code, "scripted", provider="local", retry_after=delay)
        return await super().synthesize(text, voice=voice)


def expected(answers: list[ErrorCode]) -> tuple[str, int]:
    """(recorded code or "ok", attempts) under the error model, with RETRIES retries."""
    for attempt in range(RETRIES + 1):
        if attempt == len(answers):
            return "ok", attempt + 1
        code = answers[attempt]
        if not MediaGenerationError(code, "x").retryable:
            return code.value, attempt + 1  # recorded at once: the step itself succeeds
    return answers[RETRIES].value, RETRIES + 1  # retries exhausted: the last answer


# One client for every example: building one costs two SSL contexts (about 45 ms), a
# third of an example's time; the functions are built per example, over its own services.
CLIENT = inngest.Inngest(app_id="lecture-media", is_production=False)


async def _run(script: list[list[ErrorCode]], root: Path) -> tuple[dict[int, str], dict[int, int]]:
    services = Services.local(
        root,
        speech=ScriptedSpeech(script),
        retries=RETRIES,
        chunk_size=2,
        provider_concurrency=0,
        follow_up_delays=(),
    )
    services.store.create_lecture(
        Lecture(
            "lec",
            "u",
            "t",
            tuple(Segment(i, f"Narration {i}. Text.", "brief") for i in range(SEGMENTS)),
        )
    )
    async with Simulator(
        CLIENT, build_functions(CLIENT, services), backoff=Backoff(jitter=0)
    ) as sim:
        run = await sim.run("generate-narration", data={"lecture_id": "lec", "user_id": "u"})
    assert run.status == "Completed", run.error
    codes = {
        r.segment: "ok" if r.ok else r.result["error"]["code"]  # type: ignore[typeddict-item]
        for r in services.store.list_assets("lec", AssetKind.NARRATION)
    }
    attempts = {s: len(run.steps[f"narration-{s}"].attempts) for s in range(SEGMENTS)}
    return codes, attempts


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
@given(script=scripts)
# Always tried: a rate limit on every attempt (the last must raise the plain error, or the
# whole run fails), a refusal after a retry, and a recovery.
@example(
    script=[
        [ErrorCode.RATE_LIMITED] * (RETRIES + 1),
        [ErrorCode.TIMEOUT, ErrorCode.SENSITIVE_CONTENT],
        [ErrorCode.PROVIDER_UNAVAILABLE],
    ]
)
def test_every_asset_ends_as_the_error_model_says(script: list[list[ErrorCode]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        codes, attempts = asyncio.run(_run(script, Path(tmp)))
    for segment, answers in enumerate(script):
        code, count = expected(answers)
        assert codes[segment] == code, (segment, answers, codes)
        assert attempts[segment] == count, (segment, answers, attempts)
