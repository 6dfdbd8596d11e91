  // --------------------------------------------------------------- overview
  Object.assign(RunView.prototype, {
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
    },

    lanesInView() {
      const sc = this.scroller;
      const chrome = (sc.firstChild?.offsetHeight || 0) + (sc.lastChild?.offsetHeight || 0);
      return Math.max(1, (sc.clientHeight - chrome) / this.laneH);
    },

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
    },

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
    },
  });
