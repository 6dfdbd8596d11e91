  // -------------------------------------------------------------------- page
  // The header, the run list, the other records, and main(), which draws it all.
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
