"""``FaultPlan.to_code()`` prints code that runs when pasted and rebuilds the same plan.

Each test runs the printed code in a fresh namespace (``tests.paste``), which
imports nothing for it: the code must bring its own imports and definitions.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys
import typing
from pathlib import Path

import httpx
import inngest
import pytest

from conftest import paste
from inngest_sim import FaultContext, FaultPlan
from inngest_sim.faults import KINDS

LIMIT = 2


class Refused(Exception):
    """A user's own error, importable from this module."""


def refuse(ctx: FaultContext) -> BaseException:
    return Refused(f"refused {ctx.step}")


class Coded(Exception):
    """An error whose constructor does not take back what it keeps in ``args``."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code}: {text}")


def _every_kind() -> FaultPlan:
    prefix = "image"

    def flaky(ctx: FaultContext) -> BaseException | None:
        return ConnectionError("nested") if (ctx.attempt or 0) < LIMIT else None

    plan = FaultPlan(seed=5)
    plan.raises(ConnectionError("down"), step="a", first=2)
    plan.raises(TimeoutError, step="b", attempts=[0, 2])
    plan.raises(inngest.NonRetriableError("no"), step="c", function="media-*")
    plan.raises(refuse, step="d", name="mine")
    plan.raises(flaky, step="e", when=lambda ctx: ctx.step == f"{prefix}-e")
    plan.raises([Refused("first"), None, lambda ctx: KeyError(ctx.attempt)], step="f")
    for i in range(2):
        plan.raises(lambda ctx, i=i: ValueError(i), step=f"g{i}", probability=0.5)
    plan.raises(
        lambda ctx: httpx.ConnectError(  # a lambda over several lines
            "refused"
        ),
        step="h",
    )
    plan.raises_after(Refused("after"), step="i")
    plan.transient(step="j", message="provider down", first=1)
    plan.non_retriable(step="k")
    plan.retry_after(dt.timedelta(minutes=2), step="l", message="slow down")
    plan.connect_error(step="m", first=1)
    plan.timeout(step="n")
    plan.status(503, step="o")
    plan.lose_response(step="p", first=3)
    plan.api_error("events", status=500, probability=0.5)
    plan.api_timeout("publish")
    plan.fetch_error(step="step.fetch: *", first=1)
    plan.fetch_status(500, step="step.fetch: api.test")
    return plan


def test_every_effect_kind_prints_code_that_runs_and_rebuilds_the_plan() -> None:
    plan = _every_kind()
    assert {rule.effect.kind for rule in plan.rules} == set(KINDS)  # a new kind needs a case

    code = plan.to_code()
    assert "replace_me" not in code
    assert "<function" not in code
    rebuilt = paste(code)["plan"]

    assert isinstance(rebuilt, FaultPlan)
    assert [r.to_code() for r in rebuilt.rules] == [r.to_code() for r in plan.rules]
    assert rebuilt.seed == plan.seed
    assert [r.name for r in rebuilt.rules] == [r.name for r in plan.rules]
    for original, copy in zip(plan.rules, rebuilt.rules, strict=True):
        if original.layer not in ("step", "step_after"):
            continue
        for attempt in range(4):
            ctx = FaultContext(original.layer, "media-f", original.step, attempt)
            if original.when is not None:
                assert original.when(ctx) == copy.when(ctx)  # type: ignore[misc]
            expected, got = original.exception(ctx), copy.exception(ctx)
            assert type(got) is type(expected)
            assert str(got) == str(expected)


def test_the_code_says_what_it_imports_and_defines() -> None:
    code = _every_kind().to_code()
    lines = code.splitlines()

    assert lines[: lines.index("")] == [
        "import httpx",
        "import inngest",
        "import tests.sim.test_fault_code",
        "from inngest_sim import FaultPlan",
        "from tests.sim.test_fault_code import LIMIT",
    ]
    # The closure's plain value is assigned; the nested function is its own source.
    assert "prefix = 'image'" in lines
    assert "def flaky(ctx):" in code  # annotations dropped: they may name what is not imported
    assert "plan.raises(tests.sim.test_fault_code.refuse, step='d', name='mine')" in lines
    assert "plan.raises(ConnectionError('down'), step='a', first=2)" in lines
    assert (
        "plan.raises(lambda ctx, i=1: ValueError(i), step='g1', probability=0.5)" in lines
    )  # the loop variable's value, not its name
    assert "plan.raises(flaky, step='e', when=lambda ctx: ctx.step == f'{prefix}-e')" not in lines
    assert "plan.raises(flaky, step='e', when=lambda ctx: ctx.step == f\"{prefix}-e\")" in lines


def test_a_plan_with_a_lambda_from_pasted_code_reprints_the_same() -> None:
    first = _every_kind().to_code()
    second = paste(first)["plan"].to_code()
    third = paste(second)["plan"].to_code()
    assert second == third
    body = [line for line in first.splitlines() if line.startswith("plan.")]
    assert [line for line in second.splitlines() if line.startswith("plan.")] == body


def _closure_over(value: object) -> typing.Callable[[FaultContext], BaseException]:
    return lambda ctx: ConnectionError(str(value))


@pytest.mark.parametrize(
    ("side_effect", "why"),
    [
        (_closure_over(object()), "it uses value (<object object at"),
        (eval("lambda ctx: ValueError('typed in')"), "whose source is not available"),
        (Coded(7, "bad"), "Coded(...) does not take back the arguments it keeps"),
    ],
)
def test_what_cannot_be_written_out_is_a_placeholder_that_says_so(
    side_effect: object, why: str
) -> None:
    plan = FaultPlan()
    plan.raises(side_effect, step="a")
    code = plan.to_code()

    assert "plan.raises(replace_me(" in code
    assert "<function" not in code
    with pytest.raises(NotImplementedError, match="needs a value it could not print") as info:
        paste(code)
    assert why in str(info.value)
    assert "replace the replace_me(...) call with it" in str(info.value)


def test_two_rules_that_need_one_name_for_two_things_do_not_mix_them() -> None:
    def make(message: str) -> typing.Callable[[FaultContext], BaseException]:
        err = ConnectionError(message)
        return lambda ctx: err

    plan = FaultPlan()
    plan.raises(make("one"), step="a")
    plan.raises(make("two"), step="b")
    code = plan.to_code()

    assert "err = ConnectionError('one')" in code
    assert "err = ConnectionError('two')" not in code
    with pytest.raises(NotImplementedError, match="rule-2: it needs err to mean something"):
        paste(code)


def test_a_retry_after_error_instance_keeps_its_deadline() -> None:
    plan = FaultPlan()
    deadline = dt.datetime(2030, 1, 2, 3, 4, 5)
    plan.raises(inngest.RetryAfterError("later", deadline), step="a")
    code = plan.to_code()

    assert "import datetime" in code.splitlines()
    assert "inngest.RetryAfterError('later', datetime.datetime(2030, 1, 2, 3, 4, 5))" in code
    rebuilt = paste(code)["plan"]
    raised = rebuilt.rules[0].exception(FaultContext("step", "f", "a", 0))
    assert isinstance(raised, inngest.RetryAfterError)
    assert raised.retry_after == deadline


MEDIA = """
import inngest
from inngest_sim import FaultPlan


class Refused(Exception):
    pass


def make_plan():
    def flaky(ctx):
        return ConnectionError("nested") if ctx.attempt < 2 else None

    plan = FaultPlan()
    plan.raises(ConnectionError("down"), step="image-*", first=2)
    plan.raises(inngest.NonRetriableError("refused"), step="plan")
    plan.raises(Refused("flagged"), step="video")
    plan.raises(flaky, step="music", when=lambda ctx: ctx.attempt == 0)
    for i in [3]:
        plan.raises(lambda ctx, i=i: ValueError(i), step=f"audio-{i}")
    return plan
"""


def test_the_fault_injection_page_shows_what_to_code_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (Path(__file__).parents[2] / "docs" / "fault-injection.md").read_text(encoding="utf-8")
    shown = re.search(r"## Plans as code\n.*?```text\n(.*?)```", page, re.S)
    assert shown is not None
    (tmp_path / "test_media.py").write_text(MEDIA, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "test_media", raising=False)
    module = importlib.import_module("test_media")
    try:
        code = module.make_plan().to_code()
    finally:
        sys.modules.pop("test_media", None)
    assert code + "\n" == shown[1]
