"""The report drawn by a real browser: headless Chromium dumps the DOM after the
page's script ran, and a screenshot shows the bars are painted.

Runs wherever Debian's ``chromium`` is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inngest_sim import RunResult, Trace
from inngest_sim.report import write_html
from inngest_sim.trace import RetryScheduled, RunQueued, Waiting
from tests.report.conftest import (
    BIG,
    BIG_GROUPS,
    HOSTILE_QUOTES,
    HOSTILE_STEP,
    HOSTILE_VALUE,
)
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
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)",
)


def chromium(page: Path, profile: Path, *extra: str, size: str = "1400,1000") -> str:
    result = subprocess.run(
        [
            str(CHROMIUM),
            *FLAGS,
            f"--window-size={size}",
            f"--user-data-dir={profile}",
            *extra,
            page.as_uri(),
        ],
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
    script = CLICK + 'click(document.querySelector("section.run .lane-label"));'
    dom = driven(hostile_trace, tmp_path, script)

    steps = {lane.attrs["data-step"] for lane in dom.find_all("g", "lane")}
    assert {HOSTILE_STEP, HOSTILE_QUOTES} <= steps
    names = {n.text for n in dom.find_all("span", "name")}
    assert {HOSTILE_STEP, HOSTILE_QUOTES} <= names
    # Payload, output and records hold hostile text too: drawn as text, never as markup.
    hostile = dom.find_all("section", "run")[0]
    blocks = {
        d.attrs["data-block"]: d.find("pre").text for d in hostile.find_all("details", "data")
    }
    assert json.loads(blocks["event"])["data"]["note"] == HOSTILE_VALUE
    assert json.loads(blocks["output"]) == {"out": HOSTILE_VALUE}
    assert json.loads(blocks["records"].splitlines()[0])["event"]["data"]["note"] == HOSTILE_VALUE
    pin = dom.find("aside", "pin")  # the hostile step's card, with its hostile output
    assert pin.find("div", "card-title").text.startswith(HOSTILE_STEP)
    assert json.loads(pin.find("pre", "json").text) == {"html": HOSTILE_VALUE}
    assert not dom.find_all("img")
    assert len(dom.find_all("script")) == 3  # the page's data and code, and this test's driver


def test_waits_and_unknown_records_are_drawn(newer_trace: Trace, tmp_path: Path) -> None:
    dom = rendered(newer_trace, tmp_path)

    spans = [n for lane in dom.find_all("g", "lane") for n in lane.find_all("rect", "span")]
    (waiting,) = [n for n in spans if "wait" in n.classes]
    assert waiting.parent is not None
    assert waiting.parent.attrs["data-step"] == "approval"
    marks = [n for n in dom.find_all("path", "mark") if "record" in n.classes]
    assert len(marks) == 2  # one on the demo's "plan" lane, one on "approval"
    assert {m.parent.attrs.get("data-step") for m in marks if m.parent} == {"plan", "approval"}
    badges = [b.text for b in dom.find_all("span", "badge") if b.parent and b.parent.tag == "div"]
    assert "Running" in badges


def test_a_999_step_run_draws_every_lane(big_trace: Trace, tmp_path: Path) -> None:
    dom = rendered(big_trace, tmp_path)

    (section,) = dom.find_all("section", "run")
    assert len(section.find_all("g", "lane")) == BIG
    assert len(section.find_all("rect", "bar")) == BIG + BIG_GROUPS
    assert section.find_all("canvas", "ov-canvas")  # the overview of a big run
    assert "compact" in section.find("div", "scroller").classes


def test_the_screenshot_shows_coloured_bars(demo_trace: Trace, tmp_path: Path) -> None:
    from PIL import Image

    page = write_html(demo_trace, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}", size="1400,1400")

    with Image.open(shot) as image:
        assert image.size == (1400, 1400)
        # Below the page header, whose legend has swatches of the same colours.
        timelines = image.convert("RGB").crop((0, 300, 1400, 1400))
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


def driven(trace: Trace, tmp_path: Path, script: str, *extra: str) -> Node:
    """The DOM after the report drew ``trace`` and ``script`` (run after it) drove it.

    The page's policy allows inline scripts, so a test can act like a user; the script
    leaves what it measured as JSON in ``body[data-probe]``.
    """
    page = write_html(trace, tmp_path / "report.html")
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("</body>", f"<script>\n{script}\n</script></body>"), encoding="utf-8"
    )
    dom = parse(chromium(page, tmp_path / "profile", "--dump-dom", *extra))
    body = dom.find("body")
    assert body.attrs.get("data-errors") == ""
    assert body.attrs.get("data-rendered") == "ok"
    return dom


def probe(dom: Node) -> Any:
    return json.loads(dom.find("body").attrs["data-probe"])


CLICK = """
const click = (el) => {
  const box = el.getBoundingClientRect();
  el.dispatchEvent(new MouseEvent("click", {
    bubbles: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2,
  }));
};
"""


def test_error_cards_show_the_users_frames_first(demo_trace: Trace, tmp_path: Path) -> None:
    dom = driven(
        demo_trace, tmp_path, CLICK + 'click(document.querySelector(".lane .bar.failed"));'
    )

    pin = dom.find("aside", "pin")
    frames = pin.find("div", "frames")
    assert frames.find("div", "frames-head").text == "your code"
    first = frames.find("div", "frame")  # before the folded ones
    assert (first.attrs["data-who"], first.find("span", "fn").text) == ("user", "parse")
    assert first.find("span", "loc").text.startswith("report/conftest.py:")
    assert first.find("code").text == "raise ValueError(HOSTILE_MESSAGE)"
    folded = frames.find("details", "folded")
    assert "of inngest-sim" in folded.find("summary").text
    whose = {f.attrs["data-who"] for f in folded.find_all("div", "frame")}
    assert whose == {"user", "sim"}
    assert "Traceback (most recent call last)" in frames.find("details", "raw-stack").text


def test_an_injected_faults_card_says_no_frame_is_yours(big_trace: Trace, tmp_path: Path) -> None:
    dom = driven(big_trace, tmp_path, CLICK + 'click(document.querySelector(".lane .bar.error"));')

    pin = dom.find("aside", "pin")
    assert "item-" in pin.find("div", "card-title").text
    assert pin.find("div", "frames-none").text == (
        "No frame of your code: inngest-sim raised this (an injected fault)."
    )
    assert "provider unavailable (injected)" in pin.find("div", "err-box").text


def test_the_event_outputs_and_records_are_on_the_page(demo_trace: Trace, tmp_path: Path) -> None:
    dom = rendered(demo_trace, tmp_path)

    for (result, section), queued in zip(
        sections(demo_trace, dom), demo_trace.of(RunQueued), strict=True
    ):
        blocks = {d.attrs["data-block"]: d for d in section.find_all("details", "data")}
        assert json.loads(blocks["event"].find("pre").text) == queued.event
        assert "B" in blocks["event"].find("summary").text  # its size
        if result.status == "Completed":
            assert json.loads(blocks["output"].find("pre").text) == result.output
        else:
            assert "output" not in blocks
        lines = blocks["records"].find("pre").text.splitlines()
        records = [r for r in demo_trace if getattr(r, "run_id", None) == result.run_id]
        assert [json.loads(line)["seq"] for line in lines] == [r.seq for r in records]


def test_a_steps_card_shows_its_output(demo_trace: Trace, tmp_path: Path) -> None:
    script = CLICK + "click(document.querySelector('.lane-label[title=\"plan\"]'));"
    dom = driven(demo_trace, tmp_path, script)

    pin = dom.find("aside", "pin")
    assert json.loads(pin.find("pre", "json").text) == [64, 128, 256]
    assert "output · 21 B" in pin.find("div", "card-data-head").text


def test_the_run_list_filters_the_runs(demo_trace: Trace, tmp_path: Path) -> None:
    script = """
    const search = document.querySelector(".run-search");
    search.value = "doomed";
    search.dispatchEvent(new Event("input"));
    """
    dom = driven(demo_trace, tmp_path, script)

    listing = dom.find("section", "run-list")
    rows = listing.find("tbody").find_all("tr")
    assert [r.attrs["data-status"] for r in rows] == ["Completed", "Failed"]
    assert ["hidden" in r.attrs for r in rows] == [True, False]
    assert listing.find("span", "count").text == "1 of 2 runs"
    shown = [
        s.attrs["data-status"] for s in dom.find_all("section", "run") if "hidden" not in s.attrs
    ]
    assert shown == ["Failed"]


def test_parent_and_child_runs_link_to_each_other(family_trace: Trace, tmp_path: Path) -> None:
    script = CLICK + 'click(document.querySelector(".lane .span.wait"));'
    dom = driven(family_trace, tmp_path, script)

    (parent, child) = dom.find_all("section", "run")
    links = parent.find("div", "relations").find_all("a", "run-link")
    assert [a.attrs["href"] for a in links] == [f"#run-{child.attrs['data-run-id']}"]
    assert parent.find("div", "relations").text.startswith("invoked ")
    back = child.find("div", "relations")
    assert back.text.startswith("invoked by ")
    assert back.find("a", "run-link").attrs["href"] == f"#run-{parent.attrs['data-run-id']}"
    pinned = dom.find("aside", "pin").find("div", "card-link").find("a", "run-link")
    assert pinned.attrs["href"] == f"#run-{child.attrs['data-run-id']}"
    rows = dom.find("section", "run-list").find("tbody").find_all("tr")
    assert (
        rows[1].find_all("a", "run-link")[0].attrs["href"] == f"#run-{parent.attrs['data-run-id']}"
    )


# Lanes whose label row is inside the scroller's visible area, and whether each has a
# bar or span inside the visible part of the timeline.
IN_VIEW = """
const inView = (section) => {
  const sc = section.querySelector(".scroller");
  const box = sc.getBoundingClientRect();
  const top = sc.querySelector(".tl-top").getBoundingClientRect().bottom;
  const bottom = sc.querySelector(".tl-foot").getBoundingClientRect().top;
  const left = box.left + 232, right = box.right;
  const out = [];
  for (const g of sc.querySelectorAll("g.lane")) {
    const label = sc.querySelector(`.lane-label[data-lane="${g.dataset.lane}"]`)
      .getBoundingClientRect();
    if (label.bottom <= top + 1 || label.top >= bottom - 1) continue;
    const busy = [...g.querySelectorAll(".bar, .span")].some((el) => {
      const r = el.getBoundingClientRect();
      return r.right >= left && r.left <= right;
    });
    out.push([g.dataset.step, busy]);
  }
  return out;
};
const zoomIn = (section, times) => {
  const plus = [...section.querySelectorAll(".toolbar button")].find((b) => b.textContent === "+");
  for (let i = 0; i < times; i++) plus.click();
};
"""


def test_zooming_into_999_steps_leaves_no_idle_lane_in_view(
    big_trace: Trace, tmp_path: Path
) -> None:
    script = (
        IN_VIEW
        + """
    const section = document.querySelector("section.run");
    const fit = inView(section);
    zoomIn(section, 6);
    const filtered = inView(section);
    const count = section.querySelector(".toolbar .count").textContent;
    const box = section.querySelector(".only-in-view");
    box.checked = false;
    box.dispatchEvent(new Event("change"));
    zoomIn(section, 1);  // without the filter, the zoom follows the work vertically
    const followed = inView(section);
    document.body.dataset.probe = JSON.stringify({ fit, filtered, count, followed,
      zoom: section.querySelector(".toolbar .zoom").textContent });
    """
    )
    found = probe(driven(big_trace, tmp_path, script))

    assert len(found["fit"]) > 20
    assert all(busy for _, busy in found["fit"])
    assert found["zoom"] == "27×"
    assert len(found["filtered"]) > 20
    assert all(busy for _, busy in found["filtered"]), found["filtered"]
    shown = int(found["count"].split()[0])
    assert found["count"].endswith(f"of {BIG} steps in view")
    assert shown < BIG
    assert found["followed"]
    assert found["followed"][0][1]


def test_the_step_search_jumps_from_match_to_match(big_trace: Trace, tmp_path: Path) -> None:
    script = (
        IN_VIEW
        + """
    const section = document.querySelector("section.run");
    zoomIn(section, 6);
    const search = section.querySelector(".step-search");
    search.value = "item-100-";
    search.dispatchEvent(new Event("input"));
    for (let i = 0; i < 3; i++) {
      search.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    }
    const found = section.querySelector(".lane-label.found");
    const lane = section.querySelector(`g.lane[data-lane="${found.dataset.lane}"]`);
    const sc = section.querySelector(".scroller").getBoundingClientRect();
    const bar = lane.querySelector(".bar").getBoundingClientRect();
    const label = found.getBoundingClientRect();
    document.body.dataset.probe = JSON.stringify({
      found: found.title, count: section.querySelector(".toolbar .count").textContent,
      barInView: bar.right > sc.left + 232 && bar.left < sc.right,
      labelInView: label.top >= sc.top && label.bottom <= sc.bottom,
      options: section.querySelectorAll("datalist option").length,
    });
    """
    )
    dom = driven(big_trace, tmp_path, script)
    found = probe(dom)

    assert found["found"] == "item-100-2"  # the third match
    assert found["count"].startswith("match 3 of 9 · ")
    assert found["barInView"]
    assert found["labelInView"]
    assert found["options"] == BIG
    assert dom.find("aside", "pin").find("div", "card-title").text.startswith("item-100-2")


def test_the_999_step_screenshot_shows_bars_after_zooming(big_trace: Trace, tmp_path: Path) -> None:
    from PIL import Image

    page = write_html(big_trace, tmp_path / "report.html")
    zoom = IN_VIEW + 'zoomIn(document.querySelector("section.run"), 6);'
    page.write_text(
        page.read_text(encoding="utf-8").replace("</body>", f"<script>{zoom}</script></body>"),
        encoding="utf-8",
    )
    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")

    with Image.open(shot) as image:
        timeline = image.convert("RGB").crop((260, 560, 1400, 1000))  # lanes, right of labels
        colours = timeline.getcolors(maxcolors=1_000_000) or []

    def pixels(rgb: tuple[int, int, int]) -> int:
        return sum(
            n for n, c in colours if all(abs(a - b) <= 6 for a, b in zip(c, rgb, strict=True))
        )

    assert pixels((16, 185, 129)) > 500  # ok bars in the lanes in view
