"""One benchmark case in this process: timings (CPU and wall), requests, peak memory.

Method (as in the performance profile): warm up first; then ``reps`` rounds in
which mocked and every lever set run once each, the order flipped on odd
rounds; a figure is the median over rounds, a ratio the median of per-round
ratios. ``mocked.trigger`` gets one event loop for the whole process: without
one it makes a new loop for every request once an ``asyncio.run`` has run.
Peak memory is ``tracemalloc``'s peak, in an untimed pass of its own.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping
from typing import Any

import _cases
import _levers
import hypothesis
import inngest
from inngest.experimental import mocked

from inngest_sim import Simulator
from inngest_sim.assertions import assert_attempts, assert_each_step_executed_once
from inngest_sim.strategies import fault_plans, seeds

# In a dict so that a time-freezing library scanning module attributes leaves them real.
CLOCKS: dict[str, Callable[[], float]] = {
    "cpu": time.process_time,
    "wall": time.perf_counter,
}
_MOCK_LOOP: list[asyncio.AbstractEventLoop] = []


class Stopwatch:
    """CPU and wall seconds of a block."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def __enter__(self) -> Stopwatch:
        self._cpu, self._wall = CLOCKS["cpu"](), CLOCKS["wall"]()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu = CLOCKS["cpu"]() - self._cpu
        self.wall = CLOCKS["wall"]() - self._wall


def _mocked_loop() -> None:
    if not _MOCK_LOOP:
        _MOCK_LOOP.append(asyncio.new_event_loop())
    # asyncio.run() clears the current loop when it ends, so set it before each trigger.
    asyncio.set_event_loop(_MOCK_LOOP[0])


def _settle() -> None:
    """Collect the previous measurement's garbage outside the next one's time."""
    gc.collect()


# ------------------------------------------------------------------ scaling
class Scaling:
    """Sequential or chunked steps at one n: the simulator under each lever set, and mocked."""

    def __init__(self, mode: str, n: int) -> None:
        build = _cases.BUILDERS[mode]
        self.n, self.expected = n, sum(range(n))
        self.client = inngest.Inngest(app_id="bench", is_production=False)
        self.fn = build(self.client, n)
        self.mock_client = mocked.Inngest(app_id="bench", is_production=False)
        self.mock_fn = build(self.mock_client, n)

    def sim(self, levers: tuple[str, ...]) -> dict[str, float]:
        total, alone = Stopwatch(), Stopwatch()

        async def go() -> int:
            with total:
                async with Simulator(self.client, [self.fn], **_levers.options(levers)) as sim:
                    with alone:
                        run = await sim.run(self.fn)
            assert run.status == "Completed", run.error
            assert run.output == self.expected, run.output
            return len(run.requests)

        requests = asyncio.run(go())
        return {
            "cpu": total.cpu,
            "wall": total.wall,
            "run_cpu": alone.cpu,
            "run_wall": alone.wall,
            "requests": requests,
        }

    def mocked(self) -> dict[str, float]:
        _mocked_loop()
        with Stopwatch() as watch:
            result = mocked.trigger(self.mock_fn, inngest.Event(name="bench/x"), self.mock_client)
        assert result.status is mocked.Status.COMPLETED, result.error
        assert result.output == self.expected, result.output
        return {"cpu": watch.cpu, "wall": watch.wall}

    def mocked_requests(self) -> int:
        calls = 0
        original = self.mock_fn.call

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            return original(*args, **kwargs)

        self.mock_fn.call = counting
        try:
            self.mocked()
        finally:
            del self.mock_fn.call
        return calls


def peak_bytes(action: Callable[[], object]) -> int:
    _settle()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def interleaved(
    reps: int, runners: Mapping[str, Callable[[], dict[str, float]]]
) -> dict[str, list[dict[str, float]]]:
    """``reps`` rounds over every runner, the order flipped on odd rounds."""
    out: dict[str, list[dict[str, float]]] = {key: [] for key in runners}
    order = list(runners)
    for rep in range(reps):
        for key in order if rep % 2 == 0 else order[::-1]:
            _settle()
            out[key].append(runners[key]())
    return out


def summary(samples: dict[str, list[dict[str, float]]], reference: str) -> dict[str, Any]:
    """Medians per runner, and the median per-round ratio reference ÷ runner."""
    result: dict[str, Any] = {}
    for key, rows in samples.items():
        entry = {field: statistics.median(r[field] for r in rows) for field in rows[0]}
        if key != reference:
            for clock in ("cpu", "wall"):
                ratios = [
                    ref[clock] / row[clock]
                    for ref, row in zip(samples[reference], rows, strict=True)
                ]
                entry[f"ratio_{clock}"] = statistics.median(ratios)
        result[key] = entry
    return result


def scaling(mode: str, n: int, configs: list[tuple[str, ...]], reps: int, memory: bool) -> Any:
    warm = Scaling(mode, 5)
    for levers in configs:
        warm.sim(levers)
    warm.mocked()
    case = Scaling(mode, n)
    runners: dict[str, Callable[[], dict[str, float]]] = {"mocked": case.mocked}
    for levers in configs:
        runners[_levers.name(levers)] = functools.partial(case.sim, levers)
    result = summary(interleaved(reps, runners), "mocked")
    result["mocked"]["requests"] = case.mocked_requests()
    if memory:
        result["mocked"]["peak"] = peak_bytes(case.mocked)
        for levers in configs:
            result[_levers.name(levers)]["peak"] = peak_bytes(functools.partial(case.sim, levers))
    return result


# ---------------------------------------------------------------- small runs
def small(runs: int, configs: list[tuple[str, ...]], reps: int) -> Any:
    """A 10-step function, a new Simulator per run, against ``mocked.trigger``."""
    case = Scaling("seq", _cases.SMALL_STEPS)

    def sims(levers: tuple[str, ...]) -> dict[str, float]:
        async def go() -> None:
            for _ in range(runs):
                async with Simulator(case.client, [case.fn], **_levers.options(levers)) as sim:
                    run = await sim.run(case.fn)
                assert run.status == "Completed", run.error

        with Stopwatch() as watch:
            asyncio.run(go())
        return {"cpu": watch.cpu / runs, "wall": watch.wall / runs}

    def mocks() -> dict[str, float]:
        cpu = wall = 0.0
        for _ in range(runs):
            one = case.mocked()
            cpu, wall = cpu + one["cpu"], wall + one["wall"]
        return {"cpu": cpu / runs, "wall": wall / runs}

    for levers in configs:
        warm = Scaling("seq", 3)
        warm.sim(levers)
    case.mocked()
    runners: dict[str, Callable[[], dict[str, float]]] = {"mocked": mocks}
    for levers in configs:
        runners[_levers.name(levers)] = functools.partial(sims, levers)
    return summary(interleaved(reps, runners), "mocked")


# ----------------------------------------------------------- property tests
def _fanout_property(
    client: Any, fn: Any, levers: tuple[str, ...], examples: int, counter: list[int]
) -> Callable[[], None]:
    """Retry isolation: a step's faults cost that step retries and no other step any."""
    plans = fault_plans(
        ["plan", *_cases.ASSETS],
        kinds=("transient", "lose_response", "retry_after"),
        retries=_cases.FANOUT_RETRIES,
    )

    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(plan=plans, seed=seeds())
    def prop(plan: Any, seed: int) -> None:
        counter[0] += 1

        async def go() -> Any:
            async with Simulator(
                client, [fn], seed=seed, faults=plan, **_levers.options(levers)
            ) as sim:
                return await sim.run(fn)

        run = asyncio.run(go())
        assert run.status == "Completed", run.error
        for step in ["plan", *_cases.ASSETS]:
            assert_attempts(run, step, _expected_attempts(plan, step))
        assert_each_step_executed_once(run, allow_lost=True)

    return prop


def _expected_attempts(plan: Any, step: str) -> list[str]:
    """A faulted step fails as often as its fault says, then succeeds; others just succeed.

    (A ``RetryAfterError`` the SDK raises at the function level, for ``plan``, which runs
    by immediate execution, is charged to the step whose body raised it, as on a real raise.)
    """
    for fault in plan.injected:
        if fault.step == step:
            return ["error"] * fault.count + ["ok"]
    return ["ok"]


def property_rate(examples: int, configs: list[tuple[str, ...]], reps: int) -> Any:
    client = inngest.Inngest(app_id="bench-props", is_production=False)
    fn = _cases.fanout(client)

    def rate(levers: tuple[str, ...], count: int) -> dict[str, float]:
        counter = [0]
        test = _fanout_property(client, fn, levers, count, counter)
        with Stopwatch() as watch:
            test()
        return {
            "examples": counter[0],
            "cpu": watch.cpu / counter[0],
            "wall": watch.wall / counter[0],
        }

    for levers in configs:
        rate(levers, 3)
    runners = {_levers.name(lv): functools.partial(rate, lv, examples) for lv in configs}
    samples = interleaved(reps, runners)
    return {key: _medians(rows) for key, rows in samples.items()}


def _medians(rows: list[dict[str, float]]) -> dict[str, float]:
    return {field: statistics.median(r[field] for r in rows) for field in rows[0]}
