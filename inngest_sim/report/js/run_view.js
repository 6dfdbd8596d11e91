  // ------------------------------------------------------------------ a run
  // One run's section. RunView indexes the run's items by lane (what every view
  // reads) and builds the head, the data blocks and the gauges; overview.js,
  // navigation.js, timeline.js and cards.js add the methods of their views.
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

    gauge(label, value, max, fmt) {
      const share = max > 0 ? value / max : 0;
      const level = share >= 0.8 ? " high" : share >= 0.5 ? " warn" : "";
      const pct = `${share < 0.001 && value ? "<0.1" : +(share * 100).toFixed(1)}%`;
      const text = `${fmt(value)} / ${fmt(max)} · ${pct}`;
      return h("div", { class: `gauge${level}`, "data-gauge": label },
        h("div", { class: "top" }, h("span", { text: label }), h("b", { text })),
        h("div", { class: "track" }, h("div", { class: "fill", style: `width:${Math.min(100, share * 100).toFixed(2)}%` })));
    }
  }
