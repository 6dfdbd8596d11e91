"""pytest plugin for inngest_sim (registered through the ``pytest11`` entry point).

A top-level module, like Hypothesis's plugin: pytest loads it in every session of an
environment where inngest-sim is installed, so it imports only pytest. The simulator,
the SDK and CEL are imported when a fixture is first used.

One marker and two fixtures (plus ``inngest_dev_server``, a session's ``inngest-sim dev``):

```python
@pytest.mark.inngest_sim(client=client, functions=[assets], seed=3)
async def test_assets(inngest_sim):
    run = await inngest_sim.run(assets)
    assert run.status == "Completed"
```

``inngest_sim`` yields a started ``inngest_sim.Simulator`` (async tests),
``inngest_sim_sync`` a started ``inngest_sim.SyncSimulator``. The marker's
keyword arguments go to the constructor; ``client`` and ``functions`` may come
from the ``inngest_client`` and ``inngest_functions`` fixtures instead. When a
test fails, its report gets an "inngest-sim timeline" section with the seed,
the fault plan and the timeline of every run the test made.

Options, each with an ini setting of the same name in ``[pytest]`` (the command
line wins): ``--inngest-sim-seed=N`` / ``inngest_sim_seed`` (the default seed),
``--inngest-sim-jitter=SECONDS`` / ``inngest_sim_jitter`` (the backoff jitter,
``0`` for exact schedules), ``--inngest-sim-traces=DIR`` / ``inngest_sim_traces``
(save each test's trace as JSON), ``--inngest-sim-traces-on=all|fail`` (every
test's, or only failing tests') and ``--inngest-sim-traces-with=html,perfetto``
(what to write next to the JSON: the HTML report, the Perfetto export, or ``none``),
``--inngest-dev-args=FLAGS`` / ``inngest_dev_args`` (the ``inngest_dev_server``
fixture's ``inngest-sim dev`` flags). A test that uses ``inngest_dev_server`` fails at
teardown when the server was called on an Inngest API route it does not serve while the
test ran (``@pytest.mark.inngest_sim(allow_unserved_api=True)`` allows it).

``inngest_golden_histories`` is a factory of ``inngest_sim.history.GoldenHistories``
folders: golden run histories that a test checks against the current code with the
deploy check; ``--inngest-sim-record-histories`` records them anew.
``--inngest-sim-coverage=DIR`` prints the session's step coverage and writes it as
``DIR/<function id>.json``.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Generator, Iterator

    from inngest_sim._simulator.simulator import Simulator
    from inngest_sim._simulator.sync import SyncSimulator
    from inngest_sim.coverage import StepCoverage
    from inngest_sim.dev import DevServerClient
    from inngest_sim.faults import FaultPlan
    from inngest_sim.history import GoldenHistories

__all__ = [
    "inngest_client",
    "inngest_dev_server",
    "inngest_functions",
    "inngest_golden_histories",
    "inngest_sim",
    "inngest_sim_sync",
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_makereport",
    "pytest_terminal_summary",
]

MARKER = "inngest_sim"
SECTION = "inngest-sim timeline"
#: Timeline lines shown per run in a failure report (the middle is elided).
REPORT_LINES = 120
# Marker keys the fixture consumes itself; the rest go to Simulator(...).
OWN_KEYS = ("client", "functions", "assert_all_called", "allow_unserved_api")

_SESSIONS = pytest.StashKey[list["_Session"]]()
_FAILED = pytest.StashKey[bool]()
_SETTINGS = pytest.StashKey["_Settings"]()
_COVERAGE = pytest.StashKey[tuple[Path, "StepCoverage", Any]]()
TRACES_ON = ("all", "fail")
TRACES_WITH = ("html", "perfetto")

# (option and ini name, metavar, help); every one can be set in both places.
_OPTIONS = (
    (
        "inngest_sim_seed",
        "N",
        "seed of the simulators the inngest_sim fixtures build (a marker's seed= wins)",
    ),
    (
        "inngest_sim_jitter",
        "SECONDS",
        "backoff jitter of those simulators, 0 for exact schedules (a marker's backoff= wins)",
    ),
    ("inngest_sim_traces", "DIR", "save each test's simulator trace as DIR/<test id>.json"),
    ("inngest_sim_traces_on", "all|fail", "which tests' traces to save: all (default) or fail"),
    (
        "inngest_sim_traces_with",
        "LIST",
        "what to write next to each trace: html (default), perfetto, both (html,perfetto), none",
    ),
    (
        "inngest_dev_args",
        "FLAGS",
        "flags of the inngest_dev_server fixture's `inngest-sim dev`, e.g. "
        "'--clock virtual --hold-time'",
    ),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("inngest-sim")
    for name, metavar, text in _OPTIONS:
        flag = "--" + name.replace("_", "-")
        group.addoption(flag, default=None, dest=name, metavar=metavar, help=text)
        parser.addini(name, f"{text} (the {flag} option wins)", default="")
    group.addoption(
        "--inngest-sim-coverage",
        default=None,
        dest="inngest_sim_coverage",
        metavar="DIR",
        help="print which steps, retries, failures and waits the session's simulators "
        "exercised, and write DIR/<function id>.json",
    )
    group.addoption(
        "--inngest-sim-record-histories",
        action="store_true",
        default=False,
        dest="inngest_sim_record_histories",
        help="write the golden run histories tests keep (inngest_golden_histories) anew",
    )


@dataclasses.dataclass(frozen=True)
class _Settings:
    """The plugin's defaults, from the command line or else the ini file, checked once."""

    seed: int | None
    seed_origin: str
    jitter: float | None
    traces: str | None
    traces_on: str
    traces_with: tuple[str, ...]
    dev_args: tuple[str, ...] = ()


def _raw(config: pytest.Config, name: str) -> tuple[str | None, str]:
    """The setting's text and where it came from (None: set nowhere)."""
    given = config.getoption(name)
    if given is not None:
        return str(given), "--" + name.replace("_", "-")
    ini = config.getini(name)
    if isinstance(ini, str) and ini.strip():
        return ini.strip(), f"{name} in the ini file"
    return None, ""


def _settings(config: pytest.Config) -> _Settings:
    def bad(where: str, text: str, expected: str) -> pytest.UsageError:
        return pytest.UsageError(f"inngest-sim: {where} = {text!r}: expected {expected}")

    seed_text, seed_origin = _raw(config, "inngest_sim_seed")
    seed = None
    if seed_text is not None:
        if not seed_text.isdigit():
            raise bad(seed_origin, seed_text, "a whole number >= 0, e.g. 7")
        seed = int(seed_text)
    jitter_text, jitter_origin = _raw(config, "inngest_sim_jitter")
    jitter = None
    if jitter_text is not None:
        try:
            jitter = float(jitter_text)
        except ValueError:
            jitter = -1.0
        if not 0 <= jitter < float("inf"):
            raise bad(jitter_origin, jitter_text, "seconds >= 0, e.g. 0 for exact backoffs")
    traces, _ = _raw(config, "inngest_sim_traces")
    on, on_origin = _raw(config, "inngest_sim_traces_on")
    if on is not None and on not in TRACES_ON:
        raise bad(on_origin, on, "all or fail")
    with_text, with_origin = _raw(config, "inngest_sim_traces_with")
    chosen = [w.strip() for w in (with_text or "html").split(",") if w.strip()]
    if chosen == ["none"]:
        chosen = []
    elif not chosen or set(chosen) - set(TRACES_WITH):
        raise bad(with_origin, with_text or "", "html, perfetto, both (html,perfetto) or none")
    dev_text, dev_origin = _raw(config, "inngest_dev_args")
    try:
        dev_args = tuple(shlex.split(dev_text or ""))
    except ValueError as exc:
        raise bad(
            dev_origin, dev_text or "", f"flags as a shell would split them ({exc})"
        ) from None
    return _Settings(seed, seed_origin, jitter, traces, on or "all", tuple(chosen), dev_args)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SETTINGS] = _settings(config)
    config.addinivalue_line(
        "markers",
        "inngest_sim(**options): options for the simulator the `inngest_sim` and "
        "`inngest_sim_sync` fixtures build: client=, functions=, seed=, limits=, faults=, "
        "backoff=, start=, request_latency=, fail_on_assertion= (default True), "
        "assert_all_called= (default True), allow_unserved_api= (default False) and any "
        "other Simulator argument",
    )
    folder = config.getoption("inngest_sim_coverage")
    if folder:
        # Imported only when asked for: loading the plugin must not import the simulator.
        from inngest_sim.coverage import collecting

        collector = collecting()
        config.stash[_COVERAGE] = (Path(folder), collector.__enter__(), collector)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print the session's step coverage and write it, when ``--inngest-sim-coverage``."""
    if _COVERAGE not in config.stash:
        return
    folder, coverage, collector = config.stash[_COVERAGE]
    collector.__exit__(None, None, None)
    paths = coverage.write(folder)
    terminalreporter.write_sep("-", "inngest-sim step coverage")
    terminalreporter.write_line(coverage.render())
    terminalreporter.write_line(f"written: {len(paths)} file(s) in {folder}")


# -------------------------------------------------------------------- settings
@dataclasses.dataclass
class _Session:
    """One simulator a test built: what its failure report and saved trace need."""

    seed: int
    seed_origin: str
    faults: FaultPlan | None
    trace_path: Path | None
    sim: Simulator | None = None


def _marker_options(item: pytest.Item) -> dict[str, Any]:
    """Keyword arguments of every inngest_sim marker, the closest one winning."""
    options: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers(MARKER))):
        if mark.args:
            pytest.fail(
                f"@pytest.mark.inngest_sim takes keyword arguments only, got {mark.args!r}",
                pytrace=False,
            )
        options.update(mark.kwargs)
    return options


def _check_keys(options: dict[str, Any]) -> None:
    from inngest_sim._simulator.simulator import Simulator

    accepted = [
        name for name in inspect.signature(Simulator).parameters if not name.startswith("_")
    ]
    unknown = sorted(set(options) - set(accepted) - set(OWN_KEYS))
    if unknown:
        known = ", ".join(sorted({*accepted, *OWN_KEYS}))
        pytest.fail(
            f"@pytest.mark.inngest_sim got unknown option(s) {', '.join(unknown)}; known: {known}",
            pytrace=False,
        )


def _simulator_args(request: pytest.FixtureRequest) -> tuple[Any, list[Any], dict[str, Any]]:
    """(client, functions, Simulator keyword arguments) for this test."""
    options = _marker_options(request.node)
    _check_keys(options)
    client = options.pop("client") if "client" in options else None
    if client is None:
        client = request.getfixturevalue("inngest_client")
    functions = options.pop("functions") if "functions" in options else None
    if functions is None:
        functions = request.getfixturevalue("inngest_functions")
    options.pop("assert_all_called", None)
    options.pop("allow_unserved_api", None)
    settings = request.config.stash[_SETTINGS]
    options.setdefault("seed", 0 if settings.seed is None else settings.seed)
    options.setdefault("fail_on_assertion", True)
    if settings.jitter is not None and "backoff" not in options:
        from inngest_sim import Backoff

        options["backoff"] = Backoff(jitter=settings.jitter)
    faults = options.get("faults")
    if callable(faults):
        options["faults"] = faults()  # a factory gives each test a fresh plan
    return client, list(functions), options


def _seed_origin(request: pytest.FixtureRequest) -> str:
    if "seed" in _marker_options(request.node):
        return "set by the marker"
    settings = request.config.stash[_SETTINGS]
    if settings.seed is not None:
        return f"set by {settings.seed_origin}"
    return "the default; try others with --inngest-sim-seed=N"


def _start_session(request: pytest.FixtureRequest, options: dict[str, Any]) -> _Session:
    sessions = request.node.stash.setdefault(_SESSIONS, [])
    seed = options["seed"]
    path = _trace_path(request, len(sessions))
    session = _Session(seed, _seed_origin(request), options.get("faults"), path)
    sessions.append(session)
    return session


def _trace_path(request: pytest.FixtureRequest, index: int) -> Path | None:
    folder = request.config.stash[_SETTINGS].traces
    if not folder:
        return None
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")
    suffix = f"-{index + 1}" if index else ""
    return Path(request.config.invocation_params.dir, folder, f"{name}{suffix}.json")


def _finish(request: pytest.FixtureRequest, session: _Session) -> None:
    """Save the trace, then fail loudly on fault rules that never matched and on calls
    to Inngest API routes the simulator does not serve."""
    __tracebackhide__ = True
    failed = _test_failed(request.node)
    options = _marker_options(request.node)
    assert_all_called = options.get("assert_all_called", True)
    check = session.faults is not None and assert_all_called and not failed
    unused = (
        check and session.faults is not None and not all(r.called for r in session.faults.rules)
    )
    settings = request.config.stash[_SETTINGS]
    keep = settings.traces_on == "all" or failed or unused  # an unused rule fails the test
    if session.sim is not None and session.trace_path is not None and keep:
        _save(session.sim, session.trace_path, settings.traces_with)
    if check and session.faults is not None:
        session.faults.assert_all_called()
    if session.sim is not None and not failed and not options.get("allow_unserved_api", False):
        from inngest_sim.assertions import assert_api_served

        assert_api_served(session.sim.trace)


def _save(sim: Simulator, path: Path, formats: tuple[str, ...]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sim.trace.save(path)
    if not formats:
        return
    try:
        from inngest_sim.report import write_html, write_perfetto
    except ImportError:  # the report is optional
        return
    if "html" in formats:
        write_html(sim.trace, path.with_suffix(".html"))
    if "perfetto" in formats:
        write_perfetto(sim.trace, path.with_suffix(".perfetto.json"))


def _test_failed(item: pytest.Item) -> bool:
    return item.stash.get(_FAILED, False)


# -------------------------------------------------------------------- fixtures
@pytest.fixture
def inngest_client() -> Any:
    """The ``inngest.Inngest`` client the simulator fixtures use; override it."""
    pytest.fail(
        "the inngest_sim fixtures need an inngest client. Pass it in the marker,\n"
        "    @pytest.mark.inngest_sim(client=client, functions=[my_fn])\n"
        "or override the `inngest_client` fixture (in conftest.py):\n"
        "    @pytest.fixture\n"
        "    def inngest_client():\n"
        "        return inngest.Inngest(app_id='my-app', is_production=False)",
        pytrace=False,
    )


@pytest.fixture
def inngest_functions() -> list[Any]:
    """The functions the simulator fixtures serve; override it."""
    pytest.fail(
        "the inngest_sim fixtures need the functions to serve. Pass them in the marker,\n"
        "    @pytest.mark.inngest_sim(client=client, functions=[my_fn])\n"
        "or override the `inngest_functions` fixture (in conftest.py):\n"
        "    @pytest.fixture\n"
        "    def inngest_functions():\n"
        "        return [my_fn]",
        pytrace=False,
    )


def _async_fixture(fixture: Any) -> Any:
    """``fixture`` run by pytest-asyncio; without it, a fixture that says which extra to install."""
    try:
        import pytest_asyncio
    except ImportError:  # the [pytest] extra is not installed: only the sync fixture works

        @pytest.fixture(name=fixture.__name__)
        def needs_pytest_asyncio() -> None:
            pytest.fail(
                "the async inngest_sim fixture needs pytest-asyncio: "
                "pip install 'inngest-sim[pytest]'",
                pytrace=False,
            )

        return needs_pytest_asyncio
    return pytest_asyncio.fixture(fixture)


async def inngest_sim(request: pytest.FixtureRequest) -> AsyncIterator[Simulator]:
    """A started ``inngest_sim.Simulator``, configured by ``@pytest.mark.inngest_sim``.

    ``fail_on_assertion`` is on: an ``AssertionError`` in function code fails the run
    at once. Unused fault rules fail the test at teardown (``assert_all_called=False``
    in the marker turns that off), and so do calls to Inngest API routes the simulator
    does not serve (``allow_unserved_api=True`` turns that off).
    """
    from inngest_sim._simulator.simulator import Simulator

    client, functions, options = _simulator_args(request)
    session = _start_session(request, options)
    async with Simulator(client, functions, **options) as sim:
        session.sim = sim
        yield sim
    _finish(request, session)


inngest_sim = _async_fixture(inngest_sim)


@pytest.fixture
def inngest_sim_sync(request: pytest.FixtureRequest) -> Iterator[SyncSimulator]:
    """A started ``inngest_sim.SyncSimulator`` for tests that are not ``async``.

    Configured like ``inngest_sim``, by the same marker.
    """
    from inngest_sim._simulator.sync import SyncSimulator

    client, functions, options = _simulator_args(request)
    session = _start_session(request, options)
    with SyncSimulator(client, functions, **options) as sim:
        session.sim = sim.sim
        yield sim
    _finish(request, session)


@pytest.fixture
def inngest_golden_histories(
    pytestconfig: pytest.Config,
) -> Callable[[str | Path], GoldenHistories]:
    """Open a folder of golden run histories: ``inngest_golden_histories("tests/histories")``.

    Returns an ``inngest_sim.history.GoldenHistories``, recording (``keep`` writes) when
    the session runs with ``--inngest-sim-record-histories``; its ``check`` runs the
    deploy check and fails the test with the report.
    """
    from inngest_sim.history import GoldenHistories

    record = bool(pytestconfig.getoption("inngest_sim_record_histories"))
    return lambda folder: GoldenHistories(folder, record=record)


@pytest.fixture(scope="session")
def inngest_dev_server(pytestconfig: pytest.Config) -> Iterator[DevServerClient]:
    """``inngest-sim dev`` for the whole session, on a free loopback port.

    ``INNGEST_BASE_URL`` and ``INNGEST_DEV`` point at it while the session runs, so apps
    started afterwards talk to it; yields a ``inngest_sim.dev.DevServerClient``. Its
    flags come from ``--inngest-dev-args`` / ``inngest_dev_args`` (e.g.
    ``--clock virtual --hold-time`` to hold and move time from tests); for several
    servers, write fixtures around ``inngest_sim.dev.dev_server(args=...)``.
    """
    from inngest_sim.dev import dev_server

    with dev_server(args=pytestconfig.stash[_SETTINGS].dev_args) as client:
        yield client


@pytest.fixture(autouse=True)
def _inngest_dev_server_api_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that uses ``inngest_dev_server`` when, while it ran, the server was
    called on an Inngest API route it does not serve (``allow_unserved_api=True`` in the
    marker turns that off), as the simulator fixtures do for their simulators."""
    __tracebackhide__ = True
    if "inngest_dev_server" not in request.fixturenames:
        yield
        return
    client: DevServerClient = request.getfixturevalue("inngest_dev_server")
    start = client.next_seq()
    yield
    if _test_failed(request.node) or _marker_options(request.node).get("allow_unserved_api", False):
        return
    from inngest_sim.assertions import assert_api_served

    try:
        assert_api_served(client.api_calls(since=start))
    except AssertionError as exc:
        pytest.fail(
            f"inngest_dev_server ({client.url}), while this test ran: {exc}. "
            "Allow it with @pytest.mark.inngest_sim(allow_unserved_api=True)",
            pytrace=False,
        )


# ---------------------------------------------------------------------- report
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Add the timeline of every run a failing test made to its report."""
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    sessions = item.stash.get(_SESSIONS, [])
    if report.when == "call" and report.failed and sessions:
        report.sections.append((SECTION, "\n\n".join(map(_describe, sessions))))
    return report


def _describe(session: _Session) -> str:
    """Seed, fault plan and timelines: enough to understand and reproduce a failure."""
    from inngest_sim.timeline import render_timeline
    from inngest_sim.trace import RunQueued, Trace

    lines = [f"seed={session.seed} ({session.seed_origin})"]
    if session.faults is not None:
        # Code that runs when pasted: its imports included (FaultPlan.to_code()).
        lines += [
            f"fault plan, as code that rebuilds it (run it with seed={session.seed}):",
            textwrap.indent(session.faults.to_code(), "    "),
        ]
    if session.trace_path is not None:
        lines.append(f"trace: {session.trace_path}")
    trace = session.sim.trace if session.sim is not None else Trace()
    runs = trace.of(RunQueued)
    if not runs:
        lines.append("(no runs)")
    for run in runs:
        lines += ["", render_timeline(trace, run.run_id, limit=REPORT_LINES)]
    return "\n".join(lines)
