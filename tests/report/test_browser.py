"""The report drawn by a real browser: headless Chromium dumps the DOM after the
page's script ran, and a screenshot shows the bars are painted.

Runs wherever Debian's ``chromium`` is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from inngest_sim import RunResult, Trace
from inngest_sim.report import write_html
from inngest_sim.trace import RetryScheduled, RunQueued, Waiting
from tests.report.conftest import HOSTILE_QUOTES, HOSTILE_STEP, THOUSAND, InvokeStarted
from tests.report.dom import Node, parse

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1400,1000",
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
)


def chromium(page: Path, profile: Path, *extra: str) -> str:
    result = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def rendered(trace: Trace, tmp_path: Path) -> Node:
    """The DOM of the report of ``trace`` after its script ran, checked for errors."""
    page = write_html(trace, tmp_path / "report.html")
    dom = parse(chromium(page, tmp_path / "profile", "--dump-dom"))
    body = dom.find("body")
    assert body.attrs.get("data-errors") == ""
    assert body.attrs.get("data-rendered") == "ok"
    return dom


def sections(trace: Trace, dom: Node) -> Iterator[tuple[RunResult, Node]]:
    drawn = {s.attrs["data-run-id"]: s for s in dom.find_all("section", "run")}
    queued = trace.of(RunQueued)
    assert len(drawn) == len(queued)
    for record in queued:
        yield RunResult(trace, record.run_id), drawn[record.run_id]


@pytest.fixture(scope="module")
def demo_dom(demo_trace: Trace, tmp_path_factory: pytest.TempPathFactory) -> Node:
    return rendered(demo_trace, tmp_path_factory.mktemp("demo"))


def test_one_lane_per_step_and_one_bar_per_attempt(demo_trace: Trace, demo_dom: Node) -> None:
    for result, section in sections(demo_trace, demo_dom):
        lanes = section.find_all("g", "lane")
        assert [lane.attrs["data-step"] for lane in lanes] == [
            label.attrs["title"] for label in section.find_all("div", "lane-label")
        ]
        assert sorted(lane.attrs["data-step"] for lane in lanes) == sorted(result.steps)
        drawn = sorted(
            (lane.attrs["data-step"], int(bar.attrs["data-attempt"]), bar.attrs["data-outcome"])
            for lane in lanes
            for bar in lane.find_all("rect", "bar")
        )
        expected = sorted(
            (step.id, a.number, a.outcome) for step in result.steps.values() for a in step.attempts
        )
        assert drawn == expected
        for lane in lanes:
            for bar in lane.find_all("rect", "bar"):
                assert bar.attrs["data-outcome"] in bar.classes
                assert float(bar.attrs["width"]) >= 3


def test_outcomes_backoffs_sleeps_and_chunks_are_drawn(demo_trace: Trace, demo_dom: Node) -> None:
    (render, render_dom), (doomed, doomed_dom) = sections(demo_trace, demo_dom)

    assert {b.attrs["data-outcome"] for b in render_dom.find_all("rect", "bar")} == {"ok", "error"}
    assert "failed" in {b.attrs["data-outcome"] for b in doomed_dom.find_all("rect", "bar")}
    for result, section in ((render, render_dom), (doomed, doomed_dom)):
        backoffs = [n for n in section.find_all("rect", "span") if "backoff" in n.classes]
        assert len(backoffs) == len(result.trace.of(RetryScheduled))
        assert section.find("svg", "conc").attrs["data-peak"] == str(result.max_concurrency())
        assert section.find("span", "badge").text == result.status
    (sleep,) = [n for n in render_dom.find_all("rect", "span") if "sleep" in n.classes]
    assert sleep.parent is not None
    assert sleep.parent.attrs["data-step"] == "cool-down"
    assert len(render.trace.of(Waiting)) == 1
    parallel = [g for g in render.concurrent_groups() if len(g) > 1]
    assert len(render_dom.find("svg", "lanes").find_all("rect", "chunk")) == len(parallel)
    assert render_dom.find_all("g", "gap-mark")  # the hour of sleep is a compressed gap
    ticks = [t.text for t in render_dom.find("svg", "axis").find_all("text")]
    assert "+0s" in ticks
    assert any(t.startswith("+1h") for t in ticks)
    gauges = {g.attrs["data-gauge"]: g.text for g in render_dom.find_all("div", "gauge")}
    assert f"{render.step_count} / 1,000" in gauges["Steps used"]
    assert "32 MiB" in gauges["State size"]


def test_hostile_names_are_drawn_as_text(hostile_trace: Trace, tmp_path: Path) -> None:
    dom = rendered(hostile_trace, tmp_path)

    steps = {lane.attrs["data-step"] for lane in dom.find_all("g", "lane")}
    assert {HOSTILE_STEP, HOSTILE_QUOTES} <= steps
    names = {n.text for n in dom.find_all("span", "name")}
    assert {HOSTILE_STEP, HOSTILE_QUOTES} <= names
    assert not dom.find_all("img")
    assert len(dom.find_all("script")) == 2


def test_waits_and_unknown_records_are_drawn(
    demo_trace: Trace, waiting_trace: Trace, tmp_path: Path
) -> None:
    last = list(demo_trace)[-1]
    run_id = demo_trace.of(RunQueued)[0].run_id
    unknown = InvokeStarted(
        seq=last.seq + 1, t=last.t, wall=last.wall, run_id=run_id, step="plan", function_id="x"
    )
    dom = rendered(Trace([*demo_trace, *waiting_trace, unknown]), tmp_path)

    spans = [n for lane in dom.find_all("g", "lane") for n in lane.find_all("rect", "span")]
    (waiting,) = [n for n in spans if "wait" in n.classes]
    assert waiting.parent is not None
    assert waiting.parent.attrs["data-step"] == "approval"
    marks = [n for n in dom.find_all("path", "mark") if "record" in n.classes]
    assert len(marks) == 2  # one on the demo's "plan" lane, one on "approval"
    assert {m.parent.attrs.get("data-step") for m in marks if m.parent} == {"plan", "approval"}
    badges = [b.text for b in dom.find_all("span", "badge") if b.parent and b.parent.tag == "div"]
    assert "Running" in badges


def test_a_thousand_step_run_draws_every_lane(thousand_trace: Trace, tmp_path: Path) -> None:
    dom = rendered(thousand_trace, tmp_path)

    (section,) = dom.find_all("section", "run")
    assert len(section.find_all("g", "lane")) == THOUSAND
    assert len(section.find_all("rect", "bar")) == THOUSAND
    assert section.find_all("canvas", "ov-canvas")  # the overview of a big run
    assert "compact" in section.find("div", "scroller").classes


def test_the_screenshot_shows_coloured_bars(demo_trace: Trace, tmp_path: Path) -> None:
    from PIL import Image

    page = write_html(demo_trace, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")

    with Image.open(shot) as image:
        assert image.size == (1400, 1000)
        # Below the page header, whose legend has swatches of the same colours.
        timelines = image.convert("RGB").crop((0, 300, 1400, 1000))
        colours = timelines.getcolors(maxcolors=1_000_000) or []

    def pixels(rgb: tuple[int, int, int]) -> int:
        return sum(
            n for n, c in colours if all(abs(a - b) <= 6 for a, b in zip(c, rgb, strict=True))
        )

    assert pixels((16, 185, 129)) > 300  # ok bars
    assert pixels((245, 158, 11)) > 100  # retried attempts
    assert pixels((239, 68, 68)) > 100  # the failed attempt


HOVER_AND_CLICK = """<script>
(() => {
  const at = (el, type) => {
    const box = el.getBoundingClientRect();
    el.dispatchEvent(new MouseEvent(type, {
      bubbles: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2,
    }));
  };
  at(document.querySelector(".lane .bar.failed"), "click");
  at(document.querySelector(".lane .bar.error"), "mousemove");
})();
</script></body>"""


def test_hover_and_click_show_the_details_of_an_attempt(demo_trace: Trace, tmp_path: Path) -> None:
    page = write_html(demo_trace, tmp_path / "report.html")
    # The page's policy allows inline scripts, so a test can drive it like a user.
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", HOVER_AND_CLICK))
    dom = parse(chromium(page, tmp_path / "profile", "--dump-dom"))
    assert dom.find("body").attrs.get("data-errors") == ""

    (render, doomed) = (RunResult(demo_trace, r.run_id) for r in demo_trace.of(RunQueued))
    tip = dom.find("div", "tip")
    assert "hidden" not in tip.attrs
    retried = render.steps["thumb-128"].attempts[0]
    assert retried.error is not None
    start = (retried.start - render.queued_at).total_seconds()
    duration = (retried.end - retried.start).total_seconds()
    for text in (
        "thumb-128",
        "retried",
        f"ConnectionError: {retried.error['message']}",
        retried.request_id,
        f"virtual start+{start:g}s",
        f"virtual duration{duration:g}s",
        "wall",
    ):
        assert text in tip.text
    pin = dom.find("aside", "pin")
    assert "hidden" not in pin.attrs
    failed = doomed.steps["parse"].attempts[-1]
    assert failed.error is not None
    for text in ("parse", "failed", "ValueError", failed.request_id, "Traceback"):
        assert text in pin.text
    assert failed.error["message"] in pin.find("div", "err-box").text
    assert any("sel" in bar.classes for bar in dom.find_all("rect", "bar"))
