"""Scripted providers for orchestrator tests: each call pops the next scripted outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import inngest

from pipelines.models import GeneratedMedia
from pipelines.providers import RenderStatus, StartingImage

PNG = b"\x89PNG\r\n\x1a\n" + b"fake-png-body"
WAV = b"RIFF\x00\x00\x00\x00WAVEfmt fake"

Outcome = GeneratedMedia | BaseException


class ScriptedProvider:
    """Implements every provider interface; returns or raises scripted outcomes in order."""

    name = "scripted"

    def __init__(self, outcomes: Sequence[Outcome] = (), *, secret: str = "") -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str]] = []
        self.secret = secret
        self.polls: list[RenderStatus | BaseException] = []
        self._tracks: dict[str, GeneratedMedia] = {}

    def redact(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text

    def _next(self, method: str, arg: str) -> GeneratedMedia:
        self.calls.append((method, arg))
        outcome = self.outcomes.pop(0) if self.outcomes else GeneratedMedia(PNG, "image/png", "m")
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def complete(self, system: str, user: str) -> str:
        return self._next("complete", user).data.decode()

    async def generate_image(self, prompt: str, *, size: str) -> GeneratedMedia:
        return self._next("generate_image", prompt)

    async def synthesize(self, text: str, *, voice: str) -> GeneratedMedia:
        return self._next("synthesize", text)

    async def start_music(self, prompt: str, *, duration_seconds: int) -> str:
        # The scripted outcome decides the start; a success is what the first poll returns.
        self._tracks["music-1"] = self._next("start_music", prompt)
        return "music-1"

    async def poll_music(self, render_id: str) -> RenderStatus:
        self.calls.append(("poll_music", render_id))
        return RenderStatus("succeeded", self._tracks[render_id])

    async def start_video(self, prompt: str, image: StartingImage) -> str:
        self._next("start_video", prompt)
        return "pred-1"

    async def poll_video(self, prediction_id: str) -> RenderStatus:
        self.calls.append(("poll_video", prediction_id))
        if self.polls:
            polled = self.polls.pop(0)
            if isinstance(polled, BaseException):
                raise polled
            return polled
        return RenderStatus("succeeded", GeneratedMedia(b"GIF89a-frames", "image/gif", "m"))


class RecordingPublisher:
    """Stands in for `inngest.experimental.realtime.publish`; records every message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str, dict[str, Any]]] = []

    async def __call__(
        self, client: inngest.Inngest, channel: str, topic: str, data: Mapping[str, object]
    ) -> None:
        self.messages.append((channel, topic, dict(data)))


class CountingProvider:
    """Wraps a provider and counts the calls of each method (to count what a run paid for)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.counts: dict[str, int] = {}

    def redact(self, text: str) -> str:
        return str(self.inner.redact(text))

    def __getattr__(self, method: str) -> Any:
        target = getattr(self.inner, method)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.counts[method] = self.counts.get(method, 0) + 1
            return await target(*args, **kwargs)

        return counted

    def paid(self) -> int:
        """Calls that cost money: every generation and every render started."""
        billable = ("generate_image", "synthesize", "start_music", "start_video")
        return sum(self.counts.get(m, 0) for m in billable)


MUSIC_STEPS = [
    "validate",
    "music-start",
    "music-wait-0",
    "music-poll-0",
    "progress-music-0",
    "persist-music-0",
    "progress-music-done",
]


def prediction(status: str, **extra: object) -> dict[str, object]:
    """A Replicate prediction body as the API returns it (every field the client reads)."""
    body: dict[str, object] = {
        "id": "abc123",
        "model": "owner/model",
        "version": "a" * 64,
        "status": status,
        "input": {},
        "output": None,
        "logs": "",
        "error": None,
        "metrics": {},
        "created_at": "2026-01-01T00:00:00Z",
        "urls": {},
    }
    body.update(extra)
    return body
