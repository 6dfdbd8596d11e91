"""The public surface of ``inngest_sim``: what ``__all__`` promises."""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import pickle

import pytest

import inngest_sim

PUBLIC = list(inngest_sim.__all__)


def test_all_is_sorted_and_has_no_duplicates() -> None:
    assert sorted(PUBLIC) == PUBLIC
    assert len(PUBLIC) == len(set(PUBLIC))


def test_nothing_private_is_exported() -> None:
    assert [name for name in PUBLIC if name.startswith("_")] == []


@pytest.mark.parametrize("name", PUBLIC)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(inngest_sim, name) is not None


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from inngest_sim import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


@pytest.mark.parametrize("name", [n for n in PUBLIC if inspect.isclass(getattr(inngest_sim, n))])
def test_public_classes_report_the_package_as_their_module(name: str) -> None:
    cls = getattr(inngest_sim, name)
    assert cls.__module__ == "inngest_sim"
    # The reported location is true: the class is found there by its qualified name.
    assert getattr(importlib.import_module(cls.__module__), cls.__qualname__) is cls


def test_the_expected_names_are_exported() -> None:
    expected = {
        "Attempt",
        "Backoff",
        "EventRejected",
        "InvalidArgument",
        "Limits",
        "RequestRecord",
        "RunNotFinished",
        "RunResult",
        "SimError",
        "Simulator",
        "SimulatorStalled",
        "StepResult",
        "Trace",
        "UnknownFunctionError",
        "VirtualClock",
    }
    assert expected <= set(PUBLIC)


def test_every_simulator_error_derives_from_sim_error() -> None:
    errors = [
        getattr(inngest_sim, n)
        for n in PUBLIC
        if inspect.isclass(getattr(inngest_sim, n))
        and issubclass(getattr(inngest_sim, n), BaseException)
    ]
    assert inngest_sim.SimError in errors
    assert all(issubclass(e, inngest_sim.SimError) for e in errors)
    assert issubclass(inngest_sim.InvalidArgument, ValueError)
    assert issubclass(inngest_sim.UnknownFunctionError, LookupError)


def test_public_values_pickle_by_their_public_path() -> None:
    # Pickle looks classes up by __module__ + __qualname__, so this only works
    # when the reported module really holds them.
    values: list[object] = [
        inngest_sim.Limits(max_steps=5),
        inngest_sim.Backoff(jitter=0),
        inngest_sim.InvalidArgument("bad value"),
    ]
    for value in values:
        data = pickle.dumps(value)
        assert b"inngest_sim._" not in data
        copy = pickle.loads(data)
        assert type(copy) is type(value)
        if isinstance(value, BaseException):
            assert copy.args == value.args
        else:
            assert copy == value


def test_the_version_matches_the_installed_distribution() -> None:
    assert inngest_sim.__version__ == importlib.metadata.version("inngest-sim")


@pytest.mark.parametrize("module", ["inngest_sim.trace", "inngest_sim.faults"])
def test_the_public_subpackages_export_sorted_names_that_name_their_home(module: str) -> None:
    package = importlib.import_module(module)
    names = list(package.__all__)
    # isort-style, as ruff keeps it: CONSTANTS, then Classes, then functions.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for name in names:
        obj = getattr(package, name)
        home = getattr(obj, "__module__", module)
        if inspect.isclass(obj):
            # Top-level names (FaultPlan, Trace) report inngest_sim; the rest their subpackage.
            assert home in (module, "inngest_sim"), (name, home)
            assert getattr(importlib.import_module(home), obj.__qualname__) is obj


def test_every_trace_record_class_is_public_and_loads_from_json() -> None:
    from inngest_sim import trace

    records = [
        getattr(trace, n)
        for n in trace.__all__
        if inspect.isclass(getattr(trace, n)) and issubclass(getattr(trace, n), trace.Record)
    ]
    kinds = {cls.kind for cls in records if cls not in (trace.Record, trace.GenericRecord)}
    assert {trace.record_class(kind) for kind in kinds} == set(records) - {
        trace.Record,
        trace.GenericRecord,
    }
    for flow in ("RunSkipped", "RunDelayed", "RunBatched", "RequestHeld", "Published", "ApiCalled"):
        assert flow in trace.__all__
