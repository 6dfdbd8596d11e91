/* inngest-sim report: draws the runs embedded as JSON in #report-data.
 *
 * Plain DOM and SVG, no dependencies, no network. Every string from the trace
 * goes through textContent or setAttribute, never through HTML parsing.
 * Positions come in axis units (one unit = one virtual second where time is
 * linear, see inngest_sim/report/_layout.py); this script scales them to
 * pixels, zooms, filters lanes and shows details on hover and click.
 * When drawing ends, body[data-rendered] is "ok" and body[data-errors] lists
 * anything that went wrong (the browser test reads both).
 */
(() => {
  "use strict";
  const body = document.body;
  const errors = [];
  const flush = () => {
    body.dataset.errors = errors.join("\n");
    if (errors.length) body.dataset.rendered = "error";
  };
  window.addEventListener("error", (e) => {
    errors.push(`${e.message} (line ${e.lineno}:${e.colno})`);
    flush();
  });
  document.addEventListener("securitypolicyviolation", (e) => {
    errors.push(`blocked ${e.blockedURI} by ${e.violatedDirective}`);
    flush();
  });

  const SVGNS = "http://www.w3.org/2000/svg";
  const LABEL_W = 232;
  const PAD_L = 14;
  const PAD_R = 28;
  const MAX_CHART_W = 240000;
  const COMPACT_FROM = 60; // lanes; bigger runs start compact
  const OVERVIEW_FROM = 40; // lanes; bigger runs get an overview above the timeline
  const KNOWN = new Set(["ok", "error", "failed", "planned"]);
  const NICE = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
    60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
    2592000, 31536000];

  // ------------------------------------------------------------------ helpers
  function attrs(node, a) {
    if (!a) return node;
    for (const [k, v] of Object.entries(a)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    return node;
  }
  function h(tag, a, ...kids) {
    const node = attrs(document.createElement(tag), a);
    for (const kid of kids) if (kid !== null && kid !== undefined && kid !== false) node.append(kid);
    return node;
  }
  function s(tag, a, ...kids) {
    const node = attrs(document.createElementNS(SVGNS, tag), a);
    for (const kid of kids) if (kid) node.append(kid);
    return node;
  }
  const pad2 = (n) => String(n).padStart(2, "0");
  const num = (v) => Math.round(v * 100) / 100;

  /** A virtual duration: 250ms, 2.5s, 15s, 2m30s, 1h02m, 3d04h. */
  function dur(sec) {
    if (sec === null || sec === undefined || !isFinite(sec)) return "?";
    const sign = sec < 0 ? "−" : "";
    sec = Math.abs(sec);
    if (sec === 0) return "0s";
    if (sec < 0.001) return `${sign}${Math.round(sec * 1e6)}µs`;
    if (sec < 1) return `${sign}${+(sec * 1000).toPrecision(3)}ms`;
    if (sec < 60) return `${sign}${+sec.toFixed(sec < 10 ? 2 : 1)}s`;
    const t = Math.round(sec);
    const d = Math.floor(t / 86400);
    const hr = Math.floor((t % 86400) / 3600);
    const m = Math.floor((t % 3600) / 60);
    const sc = t % 60;
    if (d) return `${sign}${d}d${pad2(hr)}h${m ? pad2(m) + "m" : ""}`;
    if (hr) return `${sign}${hr}h${pad2(m)}m${sc ? pad2(sc) + "s" : ""}`;
    return `${sign}${m}m${sc ? pad2(sc) + "s" : ""}`;
  }
  const at = (sec) => `+${dur(sec)}`;
  function wall(sec) {
    if (sec === null || sec === undefined || !isFinite(sec)) return "?";
    if (sec < 1) return `${+(sec * 1000).toPrecision(3)} ms`;
    return `${+sec.toPrecision(3)} s`;
  }
  function bytes(n) {
    if (n === null || n === undefined) return "?";
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${i ? +n.toPrecision(3) : n} ${units[i]}`;
  }
  const int = (n) => Number(n).toLocaleString("en-US");
  /** "WaitForEvent" -> "wait for event". */
  const words = (op) => String(op).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  const outcomeClass = (o) => (KNOWN.has(o) ? o : "other");
  const statusClass = (st) => String(st || "").toLowerCase().replace(/[^a-z]/g, "");

  // ------------------------------------------------------------ shared defs
  function defs() {
    const hatch = (id, size, width) =>
      s("pattern", { id, class: id, patternUnits: "userSpaceOnUse", width: size, height: size,
        patternTransform: "rotate(45)" },
      s("rect", { width: size, height: size }),
      s("line", { x1: 0, y1: 0, x2: 0, y2: size, "stroke-width": width }));
    const grad = s("linearGradient", { id: "conc-fill", x1: 0, y1: 0, x2: 0, y2: 1 },
      s("stop", { offset: "0", class: "conc-stop-a" }),
      s("stop", { offset: "1", class: "conc-stop-b" }));
    return s("svg", { width: 0, height: 0, style: "position:absolute", "aria-hidden": "true" },
      s("defs", null, hatch("hatch-backoff", 6, 2.5), hatch("hatch-sleep", 7, 3),
        hatch("hatch-wait", 7, 3), hatch("hatch-gap", 8, 1), grad));
  }

  function swatch(kind) {
    const svg = s("svg", { width: 22, height: 12, "aria-hidden": "true" });
    if (kind === "chunk") svg.append(s("rect", { class: "chunk", x: 0, y: 0, width: 22, height: 12, style: "fill-opacity:.18" }));
    else if (kind === "gap") svg.append(s("rect", { class: "gap-swatch", x: 0.5, y: 0.5, width: 21, height: 11, rx: 2 }));
    else if (kind === "req") svg.append(s("rect", { class: "req discovery", x: 1, y: 3, width: 20, height: 6, rx: 2 }));
    else if (["backoff", "sleep", "wait"].includes(kind)) svg.append(s("rect", { class: `span ${kind}`, x: 0.5, y: 1.5, width: 21, height: 9, rx: 2 }));
    else svg.append(s("rect", { class: `bar ${kind}`, x: 0.5, y: 1.5, width: 21, height: 9, rx: 2.5 }));
    return svg;
  }
  const LEGEND = [["ok", "succeeded"], ["error", "errored, retried"], ["failed", "failed"],
    ["planned", "planned"], ["backoff", "backoff"], ["sleep", "sleeping"],
    ["wait", "waiting"], ["req", "SDK request"], ["chunk", "parallel chunk"],
    ["gap", "compressed idle time"]];

  function logo() {
    return s("svg", { width: 34, height: 34, viewBox: "0 0 34 34", "aria-hidden": "true" },
      s("rect", { width: 34, height: 34, rx: 9, fill: "#4f46e5" }),
      s("rect", { x: 7, y: 9, width: 12, height: 4, rx: 2, fill: "#a5b4fc" }),
      s("rect", { x: 12, y: 15, width: 15, height: 4, rx: 2, fill: "#34d399" }),
      s("rect", { x: 9, y: 21, width: 9, height: 4, rx: 2, fill: "#fbbf24" }));
  }

  // ---------------------------------------------------------- detail cards
  function kv(rows) {
    const dl = h("dl", { class: "kv" });
    for (const [k, v, cls] of rows) {
      if (v === null || v === undefined || v === "") continue;
      dl.append(h("dt", { text: k }), h("dd", { class: cls || null, text: v }));
    }
    return dl;
  }
  function title(text, pill, pillClass) {
    return h("div", { class: "card-title" }, h("span", { class: "mono", text }),
      pill ? h("span", { class: `pill ${pillClass || pill}`, text: pill }) : null);
  }
  // Each distinct stack is stored once (data.stacks); an error names its own by index.
  let STACKS = [];
  const OWNERS = { sim: "inngest-sim", sdk: "the inngest SDK", python: "Python", library: "libraries" };
  function shortPath(path) {
    return String(path).split(/[\\/]/).slice(-2).join("/");
  }
  function frameRow(f) {
    return h("div", { class: `frame ${f.who}`, "data-who": f.who },
      h("span", { class: "fn", text: f.fn }),
      h("span", { class: "loc", title: f.file, text: `${shortPath(f.file)}:${f.line}` }),
      f.code ? h("code", { text: f.code }) : null);
  }
  /** The user's frames first; the SDK's, inngest-sim's and Python's folded under them. */
  function stackView(d) {
    const frames = d.frames || [];
    const view = h("div", { class: "frames" });
    if (!frames.length) {
      if (d.stack) view.append(h("pre", { class: "stack", text: d.stack }));
      return view;
    }
    const mine = frames.filter((f) => f.who === "user");
    const others = frames.filter((f) => f.who !== "user");
    if (mine.length) {
      view.append(h("div", { class: "frames-head", text: "your code" }), ...mine.map(frameRow));
    } else {
      view.append(h("div", { class: "frames-none", text: others.some((f) => f.who === "sim")
        ? "No frame of your code: inngest-sim raised this (an injected fault)."
        : "No frame of your code: the inngest SDK or a library raised this." }));
    }
    if (others.length) {
      const counts = {};
      for (const f of others) counts[f.who] = (counts[f.who] || 0) + 1;
      const what = Object.entries(counts).map(([k, n]) => `${n} of ${OWNERS[k] || k}`).join(", ");
      view.append(h("details", { class: "folded" },
        h("summary", { text: `all ${frames.length} frames (${what} folded)` }), ...frames.map(frameRow)));
    }
    if (d.stack) {
      view.append(h("details", { class: "raw-stack" }, h("summary", { text: "full traceback" }),
        h("pre", { class: "stack", text: d.stack })));
    }
    return view;
  }
  function errorBox(err, full) {
    if (!err) return null;
    const box = h("div", { class: "err-box" }, h("b", { text: `${err.name}: ` }), err.message || "");
    const d = err.d === undefined ? null : STACKS[err.d];
    if (!full || !d) return box;
    return h("div", null, box, stackView(d));
  }
  /** A value from the trace ({text, size, cut}) as indented JSON when it is whole. */
  function pretty(val) {
    if (!val) return "";
    if (val.cut) return val.text;
    try { return JSON.stringify(JSON.parse(val.text), null, 2); } catch (err) { return val.text; }
  }
  function sizeNote(val) {
    return `${bytes(val.size)}${val.cut ? `, first ${int(val.text.length - 1)} characters shown` : ""}`;
  }
  function dataBlock(label, val, open) {
    if (!val) return null;
    return h("details", { class: "data", "data-block": label, open: open || null },
      h("summary", null, h("b", { text: label }), h("span", { class: "size", text: ` · ${sizeNote(val)}` })),
      h("pre", { class: "json", text: pretty(val) }));
  }

  // ------------------------------------------------------------------ a run
  class RunView {
    constructor(run, limits, ui) {
      this.run = run;
      this.limits = limits;
      this.ui = ui;
      this.zoom = 1;
      this.filter = "";
      this.problemsOnly = false;
      this.compact = run.lanes.length > COMPACT_FROM;
      // Zoomed in on a big run, show only the steps that do something in view.
      this.onlyInView = run.lanes.length > COMPACT_FROM;
      this.found = -1; // the match of the step search last jumped to
      this.byLane = run.lanes.map(() => []);
      this.runLane = [];
      const put = (kind, list) => list.forEach((item, i) => {
        const entry = { kind, item, key: `${kind}${i}` };
        (item.l >= 0 && item.l < this.byLane.length ? this.byLane[item.l] : this.runLane).push(entry);
      });
      put("s", run.spans);
      put("b", run.bars);
      put("q", run.reqs);
      put("m", run.marks);
      // A lane is a problem when any attempt of it errored or failed.
      this.problem = run.lanes.map(() => false);
      run.bars.forEach((b) => { if (b.o === "error" || b.o === "failed") this.problem[b.l] = true; });
      this.parallel = run.chunks.filter((c) => c.steps.length > 1);
      // Where each lane is busy ([a, b] in axis units): what "in view" means.
      this.extents = this.byLane.map((list) => list.filter((e) => e.kind !== "m")
        .map((e) => [e.item.a, Math.max(e.item.b, e.item.a)]));
      this.reqRows = this.packRequests();
      this.el = this.build();
    }

    packRequests() {
      const ends = [];
      return this.runLane.filter((e) => e.kind === "q").map((e) => {
        let row = ends.findIndex((end) => e.item.a >= end);
        if (row < 0) { row = ends.length; ends.push(0); }
        ends[row] = Math.max(e.item.b, e.item.a + 1e-9);
        e.row = row;
        return row;
      }).reduce((m, r) => Math.max(m, r + 1), 1);
    }

    build() {
      const r = this.run;
      const status = statusClass(r.status);
      const root = h("section", { class: `run status-${status}`, id: `run-${r.id}`, "data-run-id": r.id,
        "data-lanes": r.lanes.length, "data-bars": r.bars.length, "data-status": r.status });
      const start = new Date(r.t0 * 1000);
      const when = isNaN(start) ? "" : start.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
      root.append(h("div", { class: "run-head" },
        h("div", { class: "run-title" },
          h("div", { class: "line" }, h("span", { class: `badge ${status}`, text: r.status }),
            h("h2", { text: r.fn })),
          h("div", { class: "sub" }, h("code", { text: r.id, title: "run id" }),
            r.event ? h("span", { text: `event ${r.event}` }) : null,
            when ? h("span", { text: `virtual start ${when}` }) : null)),
        h("dl", { class: "stats" }, ...[
          ["virtual", dur(r.dur)], ["wall", wall(r.wall)], ["steps", int(r.lanes.length)],
          ["attempts", int(r.attempts)], ["retries", int(r.retries)], ["requests", int(r.requests)],
          ["peak ∥", int(r.peak)],
        ].map(([k, v]) => h("div", null, h("dt", { text: k }), h("dd", { text: v }))))));
      const relations = this.relations();
      if (relations) root.append(relations);
      if (r.error) {
        root.append(h("div", { class: "run-error" }, h("b", { text: `${r.error.name}: ` }), r.error.message));
        const d = r.error.d === undefined ? null : STACKS[r.error.d];
        if (d) root.append(h("details", { class: "run-stack" }, h("summary", { text: "where it was raised" }), stackView(d)));
      }
      root.append(h("div", { class: "data-row" },
        dataBlock("event", r.payload),
        dataBlock("output", r.output),
        this.rawBlock()));
      root.append(h("div", { class: "gauges" },
        this.gauge("Steps used", r.steps, this.limits.steps, int),
        this.gauge("State size", r.state, this.limits.state, bytes)));
      root.append(this.toolbar());
      this.scroller = h("div", { class: "scroller" });
      if (r.lanes.length > OVERVIEW_FROM) root.append(this.buildOverview());
      root.append(this.scroller);
      if (r.orderOnly) {
        root.append(h("p", { class: "note",
          text: "Requests took no virtual time in this run: within one instant, bar widths show trace order, not duration." }));
      }
      this.wire();
      return root;
    }

    /** "invoked by" (the parent run) and "invoked" (child runs), as links to their sections. */
    relations() {
      const r = this.run;
      const parts = [];
      if (r.parent) parts.push(h("span", null, "invoked by ", this.ui.runLink(r.parent)));
      if (r.children && r.children.length) {
        const links = [];
        r.children.forEach((id, i) => { if (i) links.push(", "); links.push(this.ui.runLink(id)); });
        parts.push(h("span", null, "invoked ", ...links));
      }
      return parts.length ? h("div", { class: "relations" }, ...parts) : null;
    }

    /** The run's trace records as JSON, one per line (a budget may leave the middle out). */
    rawBlock() {
      const r = this.run;
      if (!r.raw || !r.raw.length) return null;
      const kept = r.raw.filter((rec) => rec.omitted === undefined).length;
      const label = r.rawOmitted ? `${int(kept)} of ${int(kept + r.rawOmitted)}` : int(kept);
      const text = r.raw.map((rec) => (rec.omitted === undefined ? JSON.stringify(rec)
        : `… ${int(rec.omitted)} records left out here: the saved trace (.json) has them all …`)).join("\n");
      return h("details", { class: "data raw", "data-block": "records" },
        h("summary", null, h("b", { text: "trace records (JSON)" }), h("span", { class: "size", text: ` · ${label}` })),
        h("pre", { class: "json raw-json", text }));
    }

    // ------------------------------------------------------------ overview
    // A canvas of every visible lane at the fit scale, with the part of the
    // timeline in view outlined; click or drag on it to move there.
    buildOverview() {
      this.ovCanvas = h("canvas", { class: "ov-canvas", "aria-label": "overview of all steps" });
      this.ovView = h("div", { class: "ov-view" });
      this.ovWrap = h("div", { class: "ov-wrap" }, this.ovCanvas, this.ovView);
      const move = (e) => {
        const o = this.ovScale;
        if (!o) return;
        const box = this.ovWrap.getBoundingClientRect();
        const unit = (e.clientX - box.left - PAD_L) / o.fit;
        const lane = o.lanes[Math.min(o.lanes.length - 1, Math.max(0, Math.floor((e.clientY - box.top) / o.rowH)))];
        this.show(lane, unit, false);
      };
      this.ovWrap.addEventListener("pointerdown", (e) => {
        this.ovWrap.setPointerCapture?.(e.pointerId);
        move(e);
      });
      this.ovWrap.addEventListener("pointermove", (e) => { if (e.buttons & 1) move(e); });
      this.scroller.addEventListener("scroll", () => {
        if (!this.ovPending) this.ovPending = requestAnimationFrame(() => { this.ovPending = 0; this.viewport(); });
      });
      return h("div", { class: "overview" },
        h("div", { class: "corner" }, h("b", { text: "overview" }), h("span", { text: "click or drag to move" })),
        this.ovWrap);
    }

    lanesInView() {
      const sc = this.scroller;
      const chrome = (sc.firstChild?.offsetHeight || 0) + (sc.lastChild?.offsetHeight || 0);
      return Math.max(1, (sc.clientHeight - chrome) / this.laneH);
    }

    drawOverview(lanes) {
      if (!this.ovCanvas) return;
      const r = this.run;
      const W = Math.max(100, this.ovWrap.clientWidth), H = 84;
      const dpr = window.devicePixelRatio || 1;
      const c = this.ovCanvas;
      c.width = Math.round(W * dpr);
      c.height = Math.round(H * dpr);
      c.style.width = `${W}px`;
      c.style.height = `${H}px`;
      const ctx = c.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      const fit = (W - PAD_L - PAD_R) / (r.total > 0 ? r.total : 1);
      const rowH = H / Math.max(1, lanes.length);
      const css = getComputedStyle(document.documentElement);
      const color = (name) => css.getPropertyValue(name).trim() || "#94a3b8";
      const fills = { ok: color("--ok"), error: color("--err"), failed: color("--fail"),
        planned: color("--planned"), other: color("--faint"), backoff: color("--backoff"),
        sleep: color("--sleep"), wait: color("--wait") };
      const rowOf = new Map(lanes.map((lane, row) => [lane, row]));
      const paint = (items, alpha) => {
        ctx.globalAlpha = alpha;
        for (const it of items) {
          const row = rowOf.get(it.l);
          if (row === undefined) continue;
          ctx.fillStyle = fills[it.k || outcomeClass(it.o)] || fills.other;
          ctx.fillRect(PAD_L + it.a * fit, row * rowH, Math.max(1, (it.b - it.a) * fit), Math.max(1, rowH));
        }
      };
      paint(r.spans.filter((sp) => sp.k !== "planned"), 0.35);
      paint(r.bars, 1);
      ctx.globalAlpha = 1;
      this.ovScale = { fit, rowH, lanes, row: rowOf };
      this.viewport();
    }

    viewport() {
      const o = this.ovScale;
      if (!o) return;
      const sc = this.scroller;
      const left = PAD_L + ((sc.scrollLeft - PAD_L) / this.ppu) * o.fit;
      const width = ((sc.clientWidth - LABEL_W) / this.ppu) * o.fit;
      // The lanes in view, as rows of the overview (which keeps the idle ones).
      const first = Math.floor(sc.scrollTop / this.laneH);
      const inView = this.shown.slice(first, first + Math.ceil(this.lanesInView()));
      const rows = inView.map((i) => o.row.get(i)).filter((row) => row !== undefined);
      const top = rows.length ? Math.min(...rows) * o.rowH : 0;
      const height = rows.length ? (Math.max(...rows) + 1) * o.rowH - top : o.rowH;
      Object.assign(this.ovView.style, { left: `${Math.max(0, left)}px`, width: `${Math.max(4, width)}px`,
        top: `${Math.max(0, top)}px`, height: `${Math.max(3, Math.min(84, height))}px` });
    }

    gauge(label, value, max, fmt) {
      const share = max > 0 ? value / max : 0;
      const level = share >= 0.8 ? " high" : share >= 0.5 ? " warn" : "";
      const pct = `${share < 0.001 && value ? "<0.1" : +(share * 100).toFixed(1)}%`;
      const text = `${fmt(value)} / ${fmt(max)} · ${pct}`;
      return h("div", { class: `gauge${level}`, "data-gauge": label },
        h("div", { class: "top" }, h("span", { text: label }), h("b", { text })),
        h("div", { class: "track" }, h("div", { class: "fill", style: `width:${Math.min(100, share * 100).toFixed(2)}%` })));
    }

    toolbar() {
      const btn = (text, titleText, fn) => {
        const b = h("button", { type: "button", text, title: titleText });
        b.addEventListener("click", fn);
        return b;
      };
      this.zoomLabel = h("span", { class: "zoom", text: "1×" });
      const bar = h("div", { class: "toolbar" },
        h("span", { class: "group" },
          btn("−", "Zoom out (Ctrl + wheel)", () => this.setZoom(this.zoom / 1.6)),
          btn("Fit", "Fit the whole run", () => this.setZoom(1)),
          btn("+", "Zoom in (Ctrl + wheel)", () => this.setZoom(this.zoom * 1.6))),
        this.zoomLabel);
      if (this.run.lanes.length > 8) {
        // Type to filter the steps; Enter (or the arrows) jumps from one match to the next.
        const list = h("datalist", { id: `steps-${this.run.id}` },
          ...this.run.lanes.map((lane) => h("option", { value: lane.name })));
        const search = h("input", { type: "search", class: "step-search", placeholder: "Find steps…",
          "aria-label": "Find steps", list: list.id, title: "Filter steps; Enter jumps to the next match" });
        search.addEventListener("input", () => {
          this.filter = search.value.trim().toLowerCase();
          this.found = -1;
          this.draw();
        });
        search.addEventListener("keydown", (e) => {
          if (e.key !== "Enter") return;
          e.preventDefault();
          this.jump(e.shiftKey ? -1 : 1);
        });
        bar.append(search, list, h("span", { class: "group" },
          btn("↑", "Previous match (Shift + Enter)", () => this.jump(-1)),
          btn("↓", "Next match (Enter)", () => this.jump(1))));
      }
      if (this.problem.some(Boolean) && this.run.lanes.length > 1) {
        const box = h("input", { type: "checkbox" });
        box.addEventListener("change", () => { this.problemsOnly = box.checked; this.draw(); });
        bar.append(h("label", null, box, "only steps with errors"));
      }
      if (this.run.lanes.length > 12) {
        const box = h("input", { type: "checkbox" });
        box.checked = this.compact;
        box.addEventListener("change", () => { this.compact = box.checked; this.draw(); });
        bar.append(h("label", null, box, "compact"));
        const inView = h("input", { type: "checkbox", class: "only-in-view" });
        inView.checked = this.onlyInView;
        inView.addEventListener("change", () => { this.onlyInView = inView.checked; this.draw(); });
        bar.append(h("label", { title: "Zoomed in, hide the steps with nothing in view" }, inView, "only steps in view"));
      }
      this.countLabel = h("span", { class: "count" });
      bar.append(this.countLabel);
      return bar;
    }

    /** Pixels per axis unit at the fit scale, and the most zoom the chart allows. */
    scale() {
      const total = this.run.total > 0 ? this.run.total : 1;
      const avail = Math.max(320, this.scroller.clientWidth - LABEL_W - 2);
      const fit = (avail - PAD_L - PAD_R) / total;
      return { fit, maxZoom: Math.max(1, Math.min(400, (MAX_CHART_W - PAD_L - PAD_R) / (fit * total))) };
    }

    setZoom(z, anchorX) {
      const sc = this.scroller;
      const anchor = anchorX === undefined ? (sc.clientWidth - LABEL_W) / 2 : anchorX;
      const unit = (sc.scrollLeft + anchor - PAD_L) / this.ppu;
      const { fit, maxZoom } = this.scale();
      this.zoom = Math.min(Math.max(z, 1), maxZoom);
      this.draw(Math.max(0, unit * fit * this.zoom + PAD_L - anchor));
      this.follow();
    }

    /** Whether lane ``i`` has a bar or span between units ``u0`` and ``u1``. */
    busy(i, u0, u1) {
      const ext = this.extents[i];
      if (!ext.length) return true; // markers only: nothing to hide it for
      return ext.some(([a, b]) => b >= u0 && a <= u1);
    }

    /** After a zoom, when none of the lanes in view is busy in view, scroll to one that is. */
    follow() {
      const sc = this.scroller;
      const [u0, u1] = this.view;
      const first = Math.floor(sc.scrollTop / this.laneH);
      const rows = this.shown.slice(first, first + Math.ceil(this.lanesInView()));
      if (!rows.length || rows.some((i) => this.busy(i, u0, u1))) return;
      const row = this.shown.findIndex((i) => this.busy(i, u0, u1));
      if (row >= 0) sc.scrollTop = row * this.laneH;
    }

    /** Jump to the next (``dir`` 1) or previous (-1) step the search matches. */
    jump(dir) {
      const matches = this.baseLanes();
      if (!matches.length) return;
      this.found = (this.found + dir + matches.length) % matches.length;
      const lane = matches[this.found];
      const ext = this.extents[lane];
      const start = ext.length ? Math.min(...ext.map(([a]) => a)) : 0;
      this.show(lane, start, true);
      this.countLabel.textContent = `match ${int(this.found + 1)} of ${int(matches.length)} · ${this.countText()}`;
    }

    /** Scroll so that lane ``i`` is at the top and unit ``u`` in view; pin its card. */
    show(i, u, pin) {
      const sc = this.scroller;
      const view = (sc.clientWidth - LABEL_W) / this.ppu;
      const left = Math.max(0, (u - (pin ? view * 0.1 : view / 2)) * this.ppu + PAD_L);
      this.draw(left);
      const row = this.shown.indexOf(i);
      if (row >= 0) sc.scrollTop = Math.max(0, row * this.laneH - (pin ? 0 : this.lanesInView() * this.laneH / 2));
      this.viewport();
      if (!pin || row < 0) return;
      const label = this.labelNodes[row];
      for (const n of [label, this.bgNodes[row]]) n.classList.add("found");
      this.ui.pin(this.card(`l${i}`, true), label);
    }

    wire() {
      const sc = this.scroller;
      sc.addEventListener("wheel", (e) => {
        if (!(e.ctrlKey || e.metaKey)) return;
        e.preventDefault();
        const x = e.clientX - sc.getBoundingClientRect().left - LABEL_W;
        this.setZoom(this.zoom * Math.exp(-e.deltaY * 0.0025), Math.max(0, x));
      }, { passive: false });
      sc.addEventListener("mousemove", (e) => {
        const target = e.target.closest ? e.target.closest("[data-k]") : null;
        this.hoverLane(e);
        if (target && sc.contains(target)) this.ui.tip(this.card(target.dataset.k, false), e);
        else this.ui.hideTip();
      });
      sc.addEventListener("mouseleave", () => { this.ui.hideTip(); this.hoverRow(-1); });
      sc.addEventListener("click", (e) => {
        const target = e.target.closest ? e.target.closest("[data-k]") : null;
        if (target && sc.contains(target)) this.ui.pin(this.card(target.dataset.k, true), target);
      });
      // Bars take the keyboard focus (Tab); Enter or Space pins the focused one's card.
      sc.addEventListener("keydown", (e) => {
        const target = e.target.closest ? e.target.closest("[data-k]") : null;
        if (!target || (e.key !== "Enter" && e.key !== " ")) return;
        e.preventDefault();
        this.ui.pin(this.card(target.dataset.k, true), target);
      });
      // Scrolled sideways while zoomed in: which steps are in view changed.
      let lastLeft = 0, pending = 0;
      sc.addEventListener("scroll", () => {
        if (sc.scrollLeft === lastLeft) return;
        lastLeft = sc.scrollLeft;
        if (!this.onlyInView || this.zoom <= 1.001) return;
        clearTimeout(pending);
        pending = setTimeout(() => this.draw(), 120);
      });
    }

    hoverLane(e) {
      if (!this.lanesSvg) return;
      const box = this.lanesSvg.getBoundingClientRect();
      const row = Math.floor((e.clientY - box.top) / this.laneH);
      this.hoverRow(e.clientY >= box.top && e.clientY < box.bottom ? row : -1);
    }

    hoverRow(row) {
      if (row === this.hovered) return;
      for (const n of [this.labelNodes?.[this.hovered], this.bgNodes?.[this.hovered]]) n?.classList.remove("hover");
      this.hovered = row;
      for (const n of [this.labelNodes?.[row], this.bgNodes?.[row]]) n?.classList.add("hover");
    }

    /** The lanes the search and "only steps with errors" keep. */
    baseLanes() {
      const out = [];
      this.run.lanes.forEach((lane, i) => {
        if (this.problemsOnly && !this.problem[i]) return;
        if (this.filter && !lane.name.toLowerCase().includes(this.filter)) return;
        out.push(i);
      });
      return out;
    }

    /** The lanes to draw: the base ones, less those idle in view when zoomed in. */
    visibleLanes() {
      const base = this.baseLanes();
      if (!this.onlyInView || this.zoom <= 1.001) return base;
      const [u0, u1] = this.view;
      return base.filter((i) => this.busy(i, u0, u1));
    }

    countText() {
      const n = this.run.lanes.length, shown = this.shown.length;
      if (shown === n) return `${int(n)} step${n === 1 ? "" : "s"}`;
      const idle = this.onlyInView && this.zoom > 1.001 ? " in view" : "";
      return `${int(shown)} of ${int(n)} steps${idle}`;
    }

    // ------------------------------------------------------------- drawing
    /** Draw the timeline, scrolled to ``scrollLeft`` (where it is, by default). */
    draw(scrollLeft) {
      const r = this.run;
      const total = r.total > 0 ? r.total : 1;
      const { fit, maxZoom } = this.scale();
      this.maxZoom = maxZoom;
      this.zoom = Math.min(this.zoom, this.maxZoom);
      const ppu = (this.ppu = fit * this.zoom);
      const X = (u) => PAD_L + u * ppu;
      const width = Math.ceil(X(total) + PAD_R);
      this.laneH = this.compact ? 14 : 28;
      const sc = this.scroller;
      const left = scrollLeft === undefined ? sc.scrollLeft : scrollLeft;
      const span = Math.max(1, sc.clientWidth - LABEL_W);
      this.view = [(left - PAD_L) / ppu, (left + span - PAD_L) / ppu];
      const lanes = (this.shown = this.visibleLanes());
      this.zoomLabel.textContent = `${+this.zoom.toFixed(this.zoom < 10 ? 1 : 0)}×`;
      this.countLabel.textContent = this.countText();
      const ticks = this.ticks(X, ppu);
      sc.classList.toggle("compact", this.compact);
      sc.style.setProperty("--label-w", `${LABEL_W}px`);
      const full = `${LABEL_W + width}px`;
      const top = h("div", { class: "tl-top", style: `width:${full}` },
        h("div", { class: "row" }, h("div", { class: "corner axis-corner", text: "virtual time →" }),
          this.axis(X, width, ticks)),
        h("div", { class: "row" }, h("div", { class: "corner" }, h("b", { text: "run" }),
          h("span", { text: "SDK requests & events" })), this.runRow(X, width)));
      const mid = h("div", { class: "tl-body", style: `width:${full}` });
      const labels = h("div", { class: "labels" });
      this.labelNodes = lanes.map((i, row) => {
        const lane = r.lanes[i];
        const node = h("div", { class: `lane-label${row % 2 ? " odd" : ""}`, title: lane.name,
          style: `height:${this.laneH}px`, "data-lane": i, "data-k": `l${i}` },
        h("span", { class: `dot ${lane.o}` }), h("span", { class: "name", text: lane.name }),
        lane.n > 1 ? h("span", { class: "tries", text: `×${lane.n}` }) : null);
        node.addEventListener("mouseenter", () => this.hoverRow(row));
        return node;
      });
      labels.append(...this.labelNodes);
      if (!lanes.length) {
        const why = this.baseLanes().length ? "no step does anything in view" : "no steps match";
        labels.append(h("div", { class: "lane-label", style: "height:40px", text: why }));
      }
      this.lanesSvg = this.lanes(X, width, lanes, ticks);
      mid.append(labels, this.lanesSvg);
      const foot = h("div", { class: "tl-foot", style: `width:${full}` },
        h("div", { class: "row" }, h("div", { class: "corner" }, h("b", { text: "concurrency" }),
          h("span", { text: `attempts executing · peak ${r.peak}` })), this.curve(X, width)));
      this.hovered = -1;
      sc.replaceChildren(top, mid, foot);
      sc.scrollLeft = left;
      this.drawOverview(this.baseLanes());
    }

    ticks(X, ppu) {
      const step = NICE.find((n) => n * ppu >= 86) || NICE[NICE.length - 1];
      const out = [{ x: X(0), t: 0 }];
      // After a compressed gap the time jumps: label where it resumes.
      const resumes = new Map(this.run.gaps.map((g) => [g[3], g[1]]));
      for (const [ta, tb, xa] of this.run.axis) {
        const last = out[out.length - 1];
        if (resumes.has(ta) && X(xa) - last.x >= 40 && ta > last.t) out.push({ x: X(xa), t: ta });
        for (let k = Math.ceil(ta / step - 1e-9); k * step <= tb + 1e-9; k++) {
          const x = X(xa + (k * step - ta));
          const last = out[out.length - 1];
          if (x - last.x >= 64 && k * step > last.t) out.push({ x, t: k * step });
        }
      }
      return out;
    }

    axis(X, width, ticks) {
      const H = 34;
      const svg = s("svg", { class: "chart axis", width, height: H });
      svg.append(s("line", { class: "base", x1: 0, x2: width, y1: H - 0.5, y2: H - 0.5 }));
      for (const [a, b, dt] of this.run.gaps) {
        const x = X(a), w = X(b) - x;
        const g = s("g", { class: "gap-mark", "data-k": `g${a}` });
        g.append(s("rect", { x, y: 4, width: w, height: H - 8, rx: 4 }));
        if (w >= 46) g.append(s("text", { x: x + w / 2, y: H / 2 + 3.5, "text-anchor": "middle", text: `⋯ ${dur(dt)} ⋯` }));
        svg.append(g);
      }
      for (const tick of ticks) {
        svg.append(s("g", { class: "tick" },
          s("line", { x1: tick.x, x2: tick.x, y1: H - 7, y2: H }),
          s("text", { x: tick.x, y: 15, "text-anchor": tick.t === 0 ? "start" : "middle", text: at(tick.t) })));
      }
      let last = -Infinity;
      this.run.chunks.forEach((c, i) => {
        const x = X(c.a);
        if (c.steps.length > 1) {
          svg.append(s("rect", { class: "chunk-mark", x, y: H - 4, width: Math.max(4, X(c.b) - x), height: 3, rx: 1.5, "data-k": `c${i}` }));
        } else if (x - last >= 6) {
          svg.append(s("line", { class: "chunk-edge", x1: x, x2: x, y1: H - 3, y2: H }));
          last = x;
        }
      });
      return svg;
    }

    runRow(X, width) {
      const rowH = this.compact ? 5 : 7;
      const H = Math.max(this.compact ? 20 : 28, Math.min(this.reqRows, 4) * (rowH + 2) + 12);
      const svg = s("svg", { class: "chart runlane", width, height: H });
      const minW = this.compact ? 2 : 3;
      for (const e of this.runLane) {
        const it = e.item;
        if (e.kind === "q") {
          const row = Math.min(e.row, 3);
          const cls = `req ${it.k}${it.bad ? " bad" : ""}${it.open ? " open" : ""}`;
          svg.append(s("rect", { class: cls, x: X(it.a), y: 6 + row * (rowH + 2), width: Math.max(minW, X(it.b) - X(it.a)), height: rowH, rx: 1.5, "data-k": e.key }));
        } else if (e.kind === "s") {
          svg.append(s("rect", { class: `span ${it.k}`, x: X(it.a), y: H / 2 - 4, width: Math.max(minW, X(it.b) - X(it.a)), height: 8, rx: 2, "data-k": e.key }));
        }
      }
      for (const e of this.runLane) if (e.kind === "m") svg.append(this.mark(e, X(e.item.a), H / 2));
      return svg;
    }

    mark(e, x, y) {
      const it = e.item;
      const cls = `mark ${it.k}${it.k === "end" ? " " + statusClass(this.run.status) : ""}`;
      const r = this.compact ? 3.5 : 5;
      if (it.k === "queued") return s("circle", { class: cls, cx: x, cy: y, r: r - 0.5, "data-k": e.key });
      if (it.k === "fault") return s("path", { class: cls, d: `M${x} ${y - r}L${x + r} ${y + r}L${x - r} ${y + r}Z`, "data-k": e.key });
      return s("path", { class: cls, d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`, "data-k": e.key });
    }

    lanes(X, width, lanes, ticks) {
      const r = this.run;
      const LH = this.laneH;
      const H = Math.max(lanes.length * LH, lanes.length ? 0 : 40);
      const svg = s("svg", { class: "chart lanes", width, height: H, role: "img",
        "aria-label": `timeline of ${lanes.length} steps of ${r.fn}` });
      const bg = s("g", { class: "bgs" });
      this.bgNodes = lanes.map((_, row) => s("rect", { class: `lane-bg${row % 2 ? " odd" : ""}`, x: 0, y: row * LH, width, height: LH }));
      bg.append(...this.bgNodes);
      const grid = s("g", { class: "grid" });
      for (const t of ticks) grid.append(s("line", { x1: t.x, x2: t.x, y1: 0, y2: H }));
      const under = s("g", { class: "under" });
      for (const [a, b] of r.gaps) under.append(s("rect", { class: "gap-band", x: X(a), y: 0, width: X(b) - X(a), height: H }));
      // Parallel chunks get a band with edges; the boundaries between one-step
      // chunks are ticks under the axis only (in a sequential run of 1,000 steps
      // a line per boundary would be noise).
      r.chunks.forEach((c, i) => {
        if (c.steps.length < 2) return;
        const x = X(c.a), x2 = x + Math.max(4, X(c.b) - x);
        under.append(s("rect", { class: "chunk", x, y: 0, width: x2 - x, height: H, "data-k": `c${i}` }),
          s("line", { class: "chunk-line", x1: x, x2: x, y1: 0, y2: H }),
          s("line", { class: "chunk-line", x1: x2, x2: x2, y1: 0, y2: H }));
      });
      svg.append(bg, grid, under);
      const inset = this.compact ? 2 : 5;
      const barH = LH - inset * 2;
      const minW = this.compact ? 2 : 3;
      lanes.forEach((i, row) => {
        const lane = r.lanes[i];
        const g = s("g", { class: "lane", "data-lane": i, "data-step": lane.name, transform: `translate(0 ${row * LH})` });
        for (const e of this.byLane[i]) {
          const it = e.item;
          const x = X(it.a);
          const w = Math.max(X(it.b) - x, minW);
          if (e.kind === "s") {
            const thin = it.k === "backoff" ? Math.round(barH * 0.3) : 0;
            g.append(s("rect", { class: `span ${it.k}`, x, y: inset + thin, width: it.k === "planned" ? Math.max(w, 5) : w, height: barH - 2 * thin, rx: 2, "data-k": e.key }));
            const label = it.k === "backoff" ? `backoff ${dur(it.delay)}` : it.k === "sleep" || it.k === "wait" ? `${it.k === "sleep" ? "sleep" : words(it.op || "wait")} ${dur(it.te - it.ts)}` : "";
            if (label && !this.compact && w >= label.length * 6 + 12) {
              g.append(s("text", { class: `span-text ${it.k}`, x: x + 8, y: LH / 2 + 3.5, text: label }));
            }
          } else if (e.kind === "b") {
            g.append(s("rect", { class: `bar ${outcomeClass(it.o)}`, x, y: inset, width: w, height: barH, rx: this.compact ? 1.5 : 3, "data-k": e.key, "data-outcome": it.o, "data-attempt": it.n, tabindex: 0, "aria-label": `${lane.name} attempt ${it.n} ${it.o}` }));
            if (!this.compact && w >= 30 && it.o !== "planned") {
              const long = it.err ? `#${it.n} ${it.err.name}` : "";
              const text = long && w >= long.length * 6 + 10 ? long : `#${it.n}`;
              g.append(s("text", { class: "bar-text", x: x + 5, y: LH / 2 + 3.5, text }));
            }
          } else if (e.kind === "m") {
            g.append(this.mark(e, x, LH / 2));
          }
        }
        svg.append(g);
      });
      // A break drawn over everything, so spans crossing compressed time look cut.
      for (const [a, b] of r.gaps) {
        const mid = (X(a) + X(b)) / 2;
        const zig = [];
        for (let y = 0, k = 0; y <= H + 6; y += 6, k++) zig.push(`${mid + (k % 2 ? 3 : -3)},${y}`);
        const pts = zig.join(" ");
        svg.append(s("polyline", { class: "gap-break", points: pts }),
          s("polyline", { class: "gap-break-edge", points: pts, transform: "translate(-3 0)" }),
          s("polyline", { class: "gap-break-edge", points: pts, transform: "translate(3 0)" }));
      }
      return svg;
    }

    curve(X, width) {
      const r = this.run;
      const H = 56;
      const peak = Math.max(1, r.peak);
      const Y = (c) => H - 6 - (c / peak) * (H - 16);
      const svg = s("svg", { class: "chart conc", width, height: H, "data-peak": r.peak, role: "img",
        "aria-label": `step attempts executing over time, at most ${r.peak}` });
      const levels = peak <= 6 ? [...Array(peak + 1).keys()] : [0, Math.round(peak / 2), peak];
      for (const c of levels) {
        svg.append(s("g", { class: "level" }, s("line", { x1: 0, x2: width, y1: Y(c), y2: Y(c) }),
          c ? s("text", { x: 3, y: Y(c) - 2, text: String(c) }) : null));
      }
      if (r.conc.length) {
        // At most one step per pixel, keeping each pixel's highest count, so a
        // long sequential run draws a level line instead of a solid block.
        const cols = []; // [pixel, highest count in it, count when it ends]
        for (const [x, c] of r.conc) {
          const px = Math.round(X(x));
          const col = cols[cols.length - 1];
          if (col && col[0] === px) {
            col[1] = Math.max(col[1], c);
            col[2] = c;
          } else {
            cols.push([px, c, c]);
          }
        }
        let d = `M${cols[0][0]} ${Y(0)}`;
        let prev = 0;
        const to = (px, c) => {
          if (c === prev) return;
          d += `L${px} ${num(Y(prev))}L${px} ${num(Y(c))}`;
          prev = c;
        };
        cols.forEach(([px, high, end], i) => {
          to(px, high);
          // Drop to the closing count after this pixel, unless the next column starts there.
          if (end !== high && !(i + 1 < cols.length && cols[i + 1][0] <= px + 1)) to(px + 1, end);
        });
        d += `L${num(X(r.total))} ${num(Y(prev))}`;
        svg.append(s("path", { class: "area", d: `${d}L${num(X(r.total))} ${Y(0)}Z` }), s("path", { class: "line", d }));
      }
      return svg;
    }

    // ------------------------------------------------------------- details
    card(key, full) {
      const kind = key[0];
      const r = this.run;
      const lane = (it) => (it.l >= 0 ? r.lanes[it.l].name : "run");
      const hint = full ? null : h("div", { class: "hint", text: "click to pin" });
      const output = (val, label) => {
        if (!val) return null;
        if (!full) return kv([[label, `${val.text.slice(0, 160)}${val.text.length > 160 ? "…" : ""}`, "mono"]]);
        return h("div", { class: "card-data" }, h("div", { class: "card-data-head", text: `${label} · ${sizeNote(val)}` }),
          h("pre", { class: "json", text: pretty(val) }));
      };
      if (kind === "b") {
        const b = r.bars[+key.slice(1)];
        const ln = b.l >= 0 ? r.lanes[b.l] : null;
        return h("div", null, title(lane(b), b.o === "error" ? "retried" : b.o, outcomeClass(b.o)),
          kv([["attempt", String(b.n)], ["virtual start", at(b.ts)], ["virtual end", at(b.te)],
            ["virtual duration", dur(b.te - b.ts)], ["wall", wall(b.w)], ["request", b.r, "mono"]]),
          b.o === "ok" && ln ? output(ln.val, "output") : null, errorBox(b.err, full), hint);
      }
      if (kind === "s") {
        const sp = r.spans[+key.slice(1)];
        if (sp.k === "backoff") {
          return h("div", null, title(lane(sp), "backoff"),
            kv([["retry", `attempt ${sp.next}`], ["delay", dur(sp.delay)], ["reason", sp.reason],
              ["from", at(sp.ts)], ["until", at(sp.te)]]), hint);
        }
        if (sp.k === "planned") {
          return h("div", null, title(lane(sp), "planned"),
            kv([["planned at", at(sp.ts)], ["first attempt", at(sp.te)]]), hint);
        }
        const rows = [["op", sp.op], ["from", at(sp.ts)], ["until", sp.until === null ? "an event or invoke" : at(sp.until)],
          [sp.open ? "ends" : "resumed", at(sp.te)], ["duration", dur(sp.te - sp.ts)]];
        for (const [k, v] of Object.entries(sp.detail || {})) rows.push([k, v]);
        const child = (sp.detail || {}).child_run_id;
        const link = child && full ? h("div", { class: "card-link" }, "child run: ", this.ui.runLink(child)) : null;
        return h("div", null, title(lane(sp), sp.k === "sleep" ? "sleeping" : words(sp.op || "waiting"), sp.k), kv(rows), link, hint);
      }
      if (kind === "q") {
        const q = r.reqs[+key.slice(1)];
        const ops = q.ops ? q.ops.join(", ") + (q.nops > q.ops.length ? ` … (${q.nops})` : "") : "";
        return h("div", null, title(q.tg === null ? "discovery request" : q.tg, "request", q.k === "step" ? "step" : "planned"),
          kv([["request", q.r, "mono"], ["attempt", String(q.n)], ["status", q.open ? "no response" : String(q.st)],
            ["ops", ops || (q.open ? "" : "none (run returned)")], ["virtual start", at(q.ts)],
            ["virtual end", at(q.te)], ["wall", q.w === undefined ? null : wall(q.w)],
            ["body", q.bytes === undefined ? null : bytes(q.bytes)], ["state via API", q.api ? "yes" : null]]), hint);
      }
      if (kind === "m") {
        const m = r.marks[+key.slice(1)];
        const rows = [["at", at(m.ts)]];
        for (const [k, v] of Object.entries(m.f || {})) rows.push([k, v]);
        return h("div", null, title(m.label, m.k === "end" ? r.status : m.k, m.k === "end" ? statusClass(r.status) === "completed" ? "ok" : "failed" : m.k),
          kv(rows), errorBox(m.err, full), hint);
      }
      if (kind === "l") {
        const i = +key.slice(1);
        const ln = r.lanes[i];
        const items = this.byLane[i].filter((e) => e.kind === "b" || e.kind === "s").map((e) => e.item);
        const first = Math.min(...items.map((it) => it.ts)), last = Math.max(...items.map((it) => it.te));
        const waits = items.filter((it) => it.k === "backoff").reduce((sum, it) => sum + (it.te - it.ts), 0);
        return h("div", null, title(ln.name, ln.o === "error" ? "retried" : ln.o, ln.o),
          kv([["attempts", String(ln.n)], ["body ran", ln.x === null || ln.x === undefined ? null : `${ln.x}×`],
            ["first seen", items.length ? at(first) : null], ["last seen", items.length ? at(last) : null],
            ["in backoff", waits ? dur(waits) : null],
            ["saved", ln.memo ? `${ln.memo}${ln.bytes !== null ? ` · ${bytes(ln.bytes)}` : ""}` : "not yet"]]),
          output(ln.val, ln.memo === "error" ? "saved error" : "output"), hint);
      }
      if (kind === "c") {
        const c = r.chunks[+key.slice(1)];
        const names = c.steps.slice(0, 16).join(", ") + (c.steps.length > 16 ? ` … (+${c.steps.length - 16})` : "");
        return h("div", null, title(`chunk ${+key.slice(1) + 1} of ${r.chunks.length}`, "parallel", "chunk"),
          kv([["attempts", String(c.steps.length)], ["steps", names]]), hint);
      }
      if (kind === "g") {
        const g = r.gaps.find((x) => String(x[0]) === key.slice(1));
        return h("div", null, title("compressed idle time", null),
          kv([["skipped", g ? dur(g[2]) : "?"], ["why", "nothing executed; drawn shorter so the rest stays readable"]]));
      }
      return h("div", { text: key });
    }
  }

  // ----------------------------------------------------------- tooltip & pin
  function makeUi(data) {
    const tipNode = h("div", { class: "tip", role: "tooltip", hidden: true });
    const pinNode = h("aside", { class: "pin", hidden: true, "aria-live": "polite" });
    body.append(tipNode, pinNode);
    let selected = null;
    const runs = new Map(data.runs.map((r) => [r.id, r]));
    const ui = {
      /** A link to the section of run ``id`` (plain text for a run the page lacks). */
      runLink(id) {
        const r = runs.get(id);
        if (!r) return h("code", { text: id });
        return h("a", { href: `#run-${id}`, class: "run-link", "data-run": id },
          h("span", { class: `badge ${statusClass(r.status)}`, text: r.status }), ` ${r.fn} `,
          h("code", { text: id }));
      },
      tip(content, e) {
        tipNode.replaceChildren(content);
        tipNode.hidden = false;
        const pad = 14;
        const w = tipNode.offsetWidth, hh = tipNode.offsetHeight;
        let x = e.clientX + pad, y = e.clientY + pad;
        if (x + w > window.innerWidth - 8) x = Math.max(8, e.clientX - w - pad);
        if (y + hh > window.innerHeight - 8) y = Math.max(8, e.clientY - hh - pad);
        tipNode.style.left = `${x}px`;
        tipNode.style.top = `${y}px`;
      },
      hideTip() { tipNode.hidden = true; },
      pin(content, target) {
        selected?.classList.remove("sel");
        selected = target;
        target.classList.add("sel");
        const close = h("button", { class: "close", type: "button", title: "Close (Esc)", text: "×" });
        close.addEventListener("click", ui.unpin);
        pinNode.replaceChildren(close, content);
        pinNode.hidden = false;
        tipNode.hidden = true;
      },
      unpin() {
        selected?.classList.remove("sel");
        selected = null;
        pinNode.hidden = true;
      },
    };
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") ui.unpin(); });
    return ui;
  }

  // -------------------------------------------------------------------- page
  function header(data) {
    const runs = data.runs;
    const counts = {};
    for (const r of runs) counts[r.status] = (counts[r.status] || 0) + 1;
    const summary = Object.entries(counts).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(", ");
    const head = h("header", { class: "page-head" },
      h("div", { class: "brand" }, logo(), h("div", null, h("h1", { text: data.title }),
        h("p", { text: `${runs.length} run${runs.length === 1 ? "" : "s"}${summary ? ` (${summary})` : ""} · ${int(data.records)} trace records · hover for details, click to pin` }))),
      h("div", { class: "legend" }, ...LEGEND.map(([k, label]) => h("span", null, swatch(k), label))));
    return head;
  }

  /** Every run in a table that filters by text and status, hiding the runs' sections too. */
  function runList(data, sections, ui) {
    const runs = data.runs;
    const t0 = Math.min(...runs.map((r) => r.t0));
    const rows = runs.map((r) => ({ r, tr: h("tr", { "data-run-id": r.id, "data-status": r.status },
      h("td", null, h("span", { class: `badge ${statusClass(r.status)}`, text: r.status })),
      h("td", null, h("a", { href: `#run-${r.id}`, text: r.fn })),
      h("td", { class: "mono", text: r.id }),
      h("td", { text: r.event || "" }),
      h("td", { class: "num", text: at(r.t0 - t0) }),
      h("td", { class: "num", text: dur(r.dur) }),
      h("td", { class: "num", text: int(r.lanes.length) }),
      h("td", null, r.parent ? ui.runLink(r.parent) : "")) }));
    const search = h("input", { type: "search", class: "run-search", placeholder: "Filter runs…",
      "aria-label": "Filter runs by function, id, event or status" });
    const on = new Set(runs.map((r) => r.status));
    const count = h("span", { class: "count" });
    const apply = () => {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      for (const { r, tr } of rows) {
        const text = [r.fn, r.id, r.event || "", r.status].some((t) => t.toLowerCase().includes(q));
        const keep = text && on.has(r.status);
        tr.hidden = !keep;
        const section = sections.get(r.id);
        if (section) section.hidden = !keep;
        if (keep) shown++;
      }
      count.textContent = shown === runs.length ? `${int(runs.length)} runs` : `${int(shown)} of ${int(runs.length)} runs`;
    };
    search.addEventListener("input", apply);
    const boxes = [...on].map((status) => {
      const box = h("input", { type: "checkbox", "data-status": status });
      box.checked = true;
      box.addEventListener("change", () => { if (box.checked) on.add(status); else on.delete(status); apply(); });
      return h("label", null, box, status);
    });
    apply();
    const head = ["status", "function", "run id", "event", "queued", "virtual", "steps", "invoked by"];
    return h("section", { class: "run-list" },
      h("div", { class: "run-list-bar" }, h("b", { text: "runs" }), search, ...boxes, count),
      h("div", { class: "run-table" }, h("table", null,
        h("thead", null, h("tr", null, ...head.map((t) => h("th", { text: t })))),
        h("tbody", null, ...rows.map(({ tr }) => tr)))));
  }

  function others(data) {
    if (!data.others.length) return null;
    const rows = data.others.map((o) => h("tr", null, h("td", { class: "mono", text: o.k }),
      h("td", { text: at(o.ts) }), h("td", { class: "text", text: o.text })));
    const more = data.othersTotal > data.others.length ? ` (first ${data.others.length} of ${data.othersTotal})` : "";
    return h("section", { class: "others" }, h("details", null,
      h("summary", { text: `Events and other records${more || ` (${data.others.length})`}` }),
      h("table", null, h("thead", null, h("tr", null, h("th", { text: "kind" }), h("th", { text: "at" }), h("th", { text: "what" }))),
        h("tbody", null, ...rows))));
  }

  function main() {
    const data = JSON.parse(document.getElementById("report-data").textContent);
    STACKS = data.stacks || [];
    const app = document.getElementById("app");
    app.replaceChildren(defs(), header(data));
    const ui = makeUi(data);
    const views = [];
    const sections = new Map();
    const list = data.runs.length > 1 ? h("div", { class: "run-list-slot" }) : null;
    if (list) app.append(list);
    for (const run of data.runs) {
      try {
        const view = new RunView(run, data.limits, ui);
        app.append(view.el);
        views.push(view);
        sections.set(run.id, view.el);
      } catch (err) {
        errors.push(`run ${run.id}: ${err && err.stack ? err.stack : err}`);
      }
    }
    if (list) list.replaceWith(runList(data, sections, ui));
    if (!data.runs.length) app.append(h("div", { class: "empty", text: "This trace has no runs." }));
    const extra = others(data);
    if (extra) app.append(extra);
    const drawAll = () => {
      for (const view of views) {
        try { view.draw(); } catch (err) { errors.push(`run ${view.run.id}: ${err && err.stack ? err.stack : err}`); }
      }
    };
    drawAll();
    let pending = 0;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(() => { drawAll(); flush(); }, 120);
    });
  }

  try {
    main();
  } catch (err) {
    errors.push(String(err && err.stack ? err.stack : err));
  }
  flush();
  if (!errors.length) body.dataset.rendered = "ok";
})();
