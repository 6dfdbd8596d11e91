"""Routes for the ``httpx2`` client the ``openai`` SDK uses (respx mocks ``httpx`` only).

`Routes` is an ``httpx2.MockTransport`` handler: each (method, path) answers from its list
of responses in turn (the last one repeats), or raises an ``httpx2`` exception; unrouted
requests fail the test. Every request is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx2

Answer = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


class Routes:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[Answer]] = {}
        self.calls: list[httpx2.Request] = []

    def add(self, method: str, path: str, *answers: Answer) -> None:
        self._routes[(method, path)] = list(answers)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.calls.append(request)
        answers = self._routes.get((request.method, request.url.path))
        assert answers, f"unrouted request {request.method} {request.url}"
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.calls if (r.method, r.url.path) == (method, path))

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))


def chat(content: str) -> httpx2.Response:
    return httpx2.Response(
        200,
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o-mini",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": content},
                }
            ],
        },
    )


def images(b64: Sequence[str]) -> httpx2.Response:
    return httpx2.Response(200, json={"created": 1, "data": [{"b64_json": b} for b in b64]})


def error(status: int, message: str, code: str | None = None, **headers: str) -> httpx2.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx2.Response(status, json=body, headers=headers)
