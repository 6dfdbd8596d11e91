"""An app that answers the simulator with garbage: the SDK's registration, then drawn bytes.

``GarbageApp`` wraps a real SDK app. The sync PUT (registration) goes through to the SDK;
each execution request takes the next scripted answer (status, headers, body) until the
script runs out, then goes through to the SDK too, so runs can still end.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import fastapi
import inngest
import inngest.fast_api

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclasses.dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    # Misbehaviours of the app itself rather than of its bytes.
    raises: bool = False
    silent: bool = False
    endless: bool = False
    hangs: bool = False


class GarbageApp:
    def __init__(self, client: inngest.Inngest, functions: list[Any], script: list[Answer]) -> None:
        self.sdk = fastapi.FastAPI()
        inngest.fast_api.serve(self.sdk, client, functions)
        self.script = list(script)
        self.answered = 0
        #: Body bytes the app managed to send (an endless body stops when the reader does).
        self.sent = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self.script:
            await self.sdk(scope, receive, send)
            return
        answer = self.script.pop(0)
        self.answered += 1
        if answer.raises:
            raise RuntimeError("the app broke")
        if answer.silent:
            return
        if answer.hangs:
            # Swallows cancellation, as a badly written app can (twice, so that the
            # test's own event loop can still shut down).
            for _ in range(3):
                try:
                    await asyncio.sleep(3600)
                except asyncio.CancelledError:
                    continue
            return
        headers = [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        if answer.endless:
            chunk = b" " * 65536
            for _ in range(10_000):  # 640 MiB unless the reader stops
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                self.sent += len(chunk)
        await send({"type": "http.response.body", "body": answer.body})


SDK = {"x-inngest-sdk": "inngest-py:v0.5.19", "content-type": "application/json"}
