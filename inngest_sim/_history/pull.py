"""Run histories imported from a live Inngest server (a dev server, or Inngest Cloud).

Four reads per run, each the server's own: ``GET /api/v2/runs/{id}`` (the app and the
function), ``GET /api/v2/runs/{id}/trace?include_output=true`` (the steps in order, each
with its hashed id, op and status, and the run's status), ``GET /v0/runs/{id}/actions``
(the memos by hashed id, exactly as the executor sends them to the SDK) and
``GET /v0/runs/{id}/batch`` (the triggering events). v2's run status is not used: the Go
dev server answered ``COMPLETED`` there for a run asleep in ``step.sleep``, whose list
entry and trace said ``RUNNING``. v2 does not return the function's registered
configuration, so an imported history's ``function.config`` is empty.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx

from inngest_sim._errors import SimError
from inngest_sim._history.format import HistoryStep, PendingStep, RunHistory, State

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["RunsSource", "history_from_server"]

# stepOp in v2 traces (pkg/api/v2/endpoints_runs.go) → the SDK's opcode in a history.
_OPS = {
    "RUN": "StepRun",
    "SLEEP": "Sleep",
    "WAIT_FOR_EVENT": "WaitForEvent",
    "INVOKE": "InvokeFunction",
    "AI_GATEWAY": "AIGateway",
    "FETCH": "Gateway",
    "WAIT_FOR_SIGNAL": "WaitForSignal",
}
_PAUSED = {"SLEEP": "sleeping", "WAIT_FOR_EVENT": "waiting", "INVOKE": "invoking"}
_ENDED = {"COMPLETED": "Completed", "FAILED": "Failed", "CANCELLED": "Cancelled"}


class _Gone(Exception):
    """The server answered 410: what was asked for existed once and is gone."""


class RunsSource:
    """A live server's API: ``base`` is its URL (``http://127.0.0.1:8288``, or Inngest
    Cloud's ``https://api.inngest.com`` with a signing key)."""

    def __init__(
        self, base: str, *, signing_key: str | None = None, http: httpx.Client | None = None
    ) -> None:
        self.base = base.rstrip("/")
        headers = {"Authorization": f"Bearer {signing_key}"} if signing_key else {}
        self._owned = http is None
        self.http = http or httpx.Client(timeout=30.0, headers=headers)

    def __enter__(self) -> RunsSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client (one made here; a client passed in is the caller's)."""
        if self._owned:
            self.http.close()

    def get(self, path: str, **params: Any) -> Any:
        url = f"{self.base}{path}"
        try:
            response = self.http.get(url, params=params or None)
        except httpx.HTTPError as exc:
            raise SimError(f"cannot reach {url} ({type(exc).__name__}: {exc})") from None
        if response.status_code == 410:
            raise _Gone(url)
        if response.status_code != 200:
            raise SimError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
        try:
            return response.json()
        except ValueError:
            raise SimError(f"GET {url} answered something that is not JSON") from None

    def run_ids(self, app_id: str, function_id: str, status: str | None) -> Iterator[str]:
        """The function's runs, newest first, page by page (``status``: RUNNING, ...)."""
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 100}
            if status:
                params["status"] = status.upper()
            if cursor:
                params["cursor"] = cursor
            page = self.get(f"/api/v2/apps/{app_id}/functions/{function_id}/runs", **params)
            for run in page.get("data") or []:
                yield str(run["id"])
            cursor = (page.get("page") or {}).get("cursor")
            if not (page.get("page") or {}).get("hasMore") or not cursor:
                return

    def history(self, run_id: str) -> RunHistory:
        """The run's history as the server holds it now."""
        run = self.get(f"/api/v2/runs/{run_id}")["data"]
        root = self.get(f"/api/v2/runs/{run_id}/trace", include_output="true")["data"]
        try:
            memos = self.get(f"/v0/runs/{run_id}/actions")
        except _Gone:
            # The Go server drops a run's state when it ends (410 "runtime state is no
            # longer available"): only runs in flight can be resumed, or pulled.
            raise SimError(
                f"run {run_id} has ended and the server no longer holds its memoized steps; "
                "pull runs that are still in flight (--status RUNNING)"
            ) from None
        events = self.get(f"/v0/runs/{run_id}/batch")
        return history_from_server(run, root["rootSpan"], memos, events)


def history_from_server(
    run: dict[str, Any], root: dict[str, Any], memos: dict[str, Any], events: list[Any]
) -> RunHistory:
    """A history from the four answers (recorded ones in tests)."""
    spans = [s for s in _walk(root.get("children") or []) if s.get("stepId")]
    by_step: dict[str, list[dict[str, Any]]] = {}
    for span in spans:
        by_step.setdefault(str(span["stepId"]), []).append(span)
    executions = Counter(str(s["stepId"]) for s in spans if s.get("metadata"))
    names = _names(by_step)
    saved = sorted(
        (h for h in by_step if h in memos), key=lambda h: max(_ended(s) for s in by_step[h])
    )
    steps = [
        HistoryStep(
            names[h],
            h,
            _OPS.get(by_step[h][0].get("stepOp", ""), "StepRun"),
            memos[h],
            max(1, executions[h]) if by_step[h][0].get("stepOp") == "RUN" else 0,
        )
        for h in saved
    ]
    steps += [HistoryStep(h, h, "StepRun", memo) for h, memo in memos.items() if h not in by_step]
    pending = [h for h in by_step if h not in memos]
    status = _ENDED.get(str(root.get("status")), "Running")
    state: State = "ended" if status != "Running" else "running"
    paused_on, in_flight = None, []
    planned = _planned_together(by_step)
    for h in pending:
        op = str(by_step[h][-1].get("stepOp", "RUN"))
        kind = "StepPlanned" if op == "RUN" and h in planned else _OPS.get(op, "StepRun")
        step = PendingStep(names[h], h, kind, executions[h] if op == "RUN" else 0)
        if status == "Running" and op in _PAUSED and by_step[h][-1].get("status") == "WAITING":
            state, paused_on = _PAUSED[op], step  # type: ignore[assignment]
        elif status == "Running":
            in_flight.append(step)
    app, function = run["app"]["id"], run["function"]["id"]
    return RunHistory(
        run_id=str(run["id"]),
        function_id=f"{app}-{function}",
        config={},
        events=tuple(events),
        status=status,
        state=state,
        steps=tuple(steps),
        in_flight=tuple(in_flight),
        paused_on=paused_on,
        output=root.get("output") if status == "Completed" else None,
        error=root.get("error") if status == "Failed" else None,
    )


def _planned_together(by_step: dict[str, list[dict[str, Any]]]) -> set[str]:
    """Steps queued within 10 ms of another step: planned together, in a parallel group.

    The v2 trace does not say whether a step was planned (and so is retried by a request
    that targets it) or ran inline; on the Go dev server the steps of one group were
    queued within 3 ms of each other, and a step run inline after another well apart.
    """
    first = {h: min(_at(s, "queuedAt", "startedAt") for s in spans) for h, spans in by_step.items()}
    return {
        h
        for h, at in first.items()
        if any(o != h and abs((at - t).total_seconds()) < 0.010 for o, t in first.items())
    }


def _walk(spans: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for span in spans:
        yield span
        yield from _walk(span.get("children") or [])


def _names(by_step: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Each hashed id's step id as written, ``:n`` for the n-th repeat, as the SDK names it."""
    seen: Counter[str] = Counter()
    names = {}
    for h, spans in by_step.items():
        name = str(spans[0].get("name") or h)
        names[h] = f"{name}:{seen[name]}" if seen[name] else name
        seen[name] += 1
    return names


def _ended(span: dict[str, Any]) -> dt.datetime:
    return _at(span, "endedAt", "startedAt", "queuedAt")


def _at(span: dict[str, Any], *fields: str) -> dt.datetime:
    """The span's first time among ``fields`` (the latest possible when it has none)."""
    raw = next((span[f] for f in fields if span.get(f)), None)
    if not raw:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
