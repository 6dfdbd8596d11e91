"""Record the TypeScript SDK v4's wire behaviour as JSON fixtures.

    python -m tests.dev._capture [--out tests/dev/ts_app/fixtures] [--only NAME ...]

Needs the app built (`cd tests/dev/ts_app && npm ci && npm run build`). For each mode it starts
the app on loopback against the stub API, syncs it, plays every scenario through the capture
executor and writes `<out>/<mode>/<scenario>.json`, plus `<out>/summary.json`. Modes:
`checkpoint` (the app's default; the executor sends `ctx.fn_id`/`ctx.qi_id` as Go does) and
`classic` (the app started with `TS_APP_CHECKPOINTING=off`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.dev._capture_api import FakeApi
from tests.dev._capture_app import APP_DIR, RunningApp, start_app
from tests.dev._capture_executor import Executor
from tests.dev._capture_record import Message, Recorder, parse_body
from tests.dev._capture_scenarios import SCENARIOS, Scenario

MODES = ("checkpoint", "classic")
NORMALISED = (
    "Values written by the SDK that change between captures are replaced by '<varies>': op "
    "'timing', checkpoint 'ts'/'request_started_at', event 'ts', the 'server-timing', "
    "'traceparent' and 'x-inngest-event-id-seed' headers. Transport headers (date, connection, "
    "keep-alive, content-length, transfer-encoding, host) are dropped. The app's absolute path "
    "in stack traces is '<app>', the loopback ports are '<app-port>'/'<api-port>'. Run, event and "
    "function ids are the harness's own, stable ones. The SDK reads a run's /batch and /actions "
    "at the same time: such back-to-back GETs are listed sorted by path."
)


def sync(app: RunningApp, recorder: Recorder) -> list[dict[str, Any]]:
    """GET the serve URL (introspection), then PUT it as the dev server's sync does."""
    with httpx.Client(timeout=30.0) as client:
        for method, body in (("GET", None), ("PUT", {"url": app.serve_url})):
            headers = {"content-type": "application/json", "x-inngest-server-kind": "dev"}
            seq = recorder.begin()
            content = None if body is None else json.dumps(body)
            response = client.request(method, app.serve_url, headers=headers, content=content)
            recorder.record(
                seq,
                "executor->sdk",
                Message(method=method, path="/api/inngest", headers=headers, body=body),
                Message(
                    status=response.status_code,
                    headers=dict(response.headers),
                    body=parse_body(response.content),
                ),
            )
    return recorder.take()


def max_attempts(registration: dict[str, Any]) -> dict[str, int]:
    """Function slug -> retries + 1, from `steps.step.retries.attempts` in the registration.

    Without the key Go uses `consts.DefaultRetryCount` (4 retries).
    """
    out = {}
    for fn in registration.get("functions", []):
        retries = fn.get("steps", {}).get("step", {}).get("retries", {}).get("attempts", 4)
        out[fn["id"]] = int(retries) + 1
    return out


def play(scenario: Scenario, index: int, app: RunningApp, api: FakeApi) -> dict[str, Any]:
    executor = Executor(
        app.serve_url,
        api.recorder,
        max_attempts(api.registrations[-1]),
        options=scenario.driver,
        resolve_wait=lambda op: scenario.wait,
    )
    api.on_checkpoint = executor.on_checkpoint
    api.run_state = executor.run_state
    api.checkpoint_answer = scenario.checkpoint_answer
    api.event_failures = scenario.event_failures
    api.event_failure_status = scenario.event_failure_status
    log_from = len(app.log.read_text("utf-8", "replace"))
    run = executor.start(
        scenario.slug, {"name": scenario.trigger, "data": scenario.data}, f"01JCAPTURE{index:016d}"
    )
    started = time.monotonic()
    try:
        executor.drive(run)
    finally:
        executor.close()
    wall = time.monotonic() - started
    exchanges = api.recorder.take()
    log = api.recorder.clean_text(app.log.read_text("utf-8", "replace")[log_from:])
    return {
        "scenario": scenario.name,
        "about": scenario.about,
        "function": scenario.slug,
        "trigger": {"name": scenario.trigger, "data": scenario.data},
        "driver": {
            "sends_fn_id": scenario.driver.send_fn_id,
            "sends_qi_id": scenario.driver.send_qi_id,
            "error_memo_stack": scenario.driver.error_stack,
            "use_api": scenario.driver.use_api,
            "checkpoint_answer": scenario.checkpoint_answer[0],
        },
        "normalised": NORMALISED,
        "runs": api.recorder.scrub([r.summary() for r in executor.runs.values()]),
        "counts": counts(exchanges),
        "app_log": [line for line in log.splitlines() if line.strip()],
        "exchanges": exchanges,
        "_wall_s": round(wall, 2),
    }


def counts(exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    """Request counts and the shape of each answer: what a unit test asserts first."""
    to_sdk = [e for e in exchanges if e["kind"] == "executor->sdk"]
    to_api = [e for e in exchanges if e["kind"] == "sdk->api"]
    answers = []
    for e in to_sdk:
        body = e["response"]["body"]
        ops = [op.get("op") for op in body] if isinstance(body, list) else None
        answers.append(
            {
                "stepId": e["request"]["query"]["stepId"],
                "status": e["response"]["status"],
                "ops": ops,
            }
        )
    api_calls: dict[str, int] = {}
    for e in to_api:
        key = f"{e['request']['method']} {e['request']['path']} -> {e['response']['status']}"
        api_calls[key] = api_calls.get(key, 0) + 1
    checkpoints = sum(1 for e in to_api if e["request"]["path"].startswith("/v1/checkpoint/"))
    return {
        "sdk_requests": len(to_sdk),
        "checkpoint_posts": checkpoints,
        "api_calls": api_calls,
        "answers": answers,
    }


def capture_mode(mode: str, scenarios: list[Scenario], out: Path) -> list[dict[str, Any]]:
    recorder = Recorder(app_dir=str(APP_DIR.resolve()))
    api = FakeApi(recorder)
    api.start()
    app = start_app(api.url, checkpointing=mode == "checkpoint")
    recorder.replacements = {
        app.serve_url.rsplit("/api/", 1)[0]: "http://127.0.0.1:<app-port>",
        api.url: "http://127.0.0.1:<api-port>",
    }
    rows = []
    try:
        registration = sync(app, recorder)
        _write(
            out / mode / "register.json",
            {"mode": mode, "normalised": NORMALISED, "exchanges": registration},
        )
        for index, scenario in enumerate(SCENARIOS):
            if scenario not in scenarios or mode not in scenario.modes:
                continue
            fixture = play(scenario, index, app, api)
            wall = fixture.pop("_wall_s")
            _write(out / mode / f"{scenario.name}.json", fixture)
            run = fixture["runs"][0]
            rows.append(
                {
                    "mode": mode,
                    "scenario": scenario.name,
                    "status": run["status"],
                    "output": run["output"],
                    "wall_s": wall,
                    **fixture["counts"],
                }
            )
            print(
                f"{mode:10} {scenario.name:24} {run['status']:10} "
                f"{fixture['counts']['sdk_requests']:3} req  {wall:6.2f}s  "
                f"{fixture['counts']['api_calls']}"
            )
    finally:
        app.stop()
        api.stop()
    return rows


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=APP_DIR / "fixtures")
    parser.add_argument("--only", nargs="*", default=None, help="scenario names")
    parser.add_argument("--mode", choices=MODES, action="append")
    args = parser.parse_args(argv)
    chosen = [s for s in SCENARIOS if args.only is None or s.name in args.only]
    rows = []
    for mode in args.mode or MODES:
        rows += capture_mode(mode, chosen, args.out)
    # Wall times vary: they stay out of the committed summary.
    for row in rows:
        row.pop("wall_s")
    _write(args.out / "summary.json", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
