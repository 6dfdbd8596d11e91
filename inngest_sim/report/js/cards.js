  // ---------------------------------------------------------------- details
  // The card of an item: shown on hover, pinned on click.
  Object.assign(RunView.prototype, {
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
    },
  });
