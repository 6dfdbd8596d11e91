  // --------------------------------------------------------------- constants
  // Used by every file after this one, as are the helpers below: the DOM and SVG
  // builders (h, s), formatting, the legend, and the blocks the run head and the
  // cards share (stacks, errors, data blocks).
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
