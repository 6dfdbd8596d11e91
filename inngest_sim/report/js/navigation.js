  // ------------------------------------------------------------- navigation
  // Moving around a run: the toolbar, zoom, the step search, the "only steps
  // with errors / in view" filters, scrolling to a lane, and hover.
  Object.assign(RunView.prototype, {
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
    },

    /** Pixels per axis unit at the fit scale, and the most zoom the chart allows. */
    scale() {
      const total = this.run.total > 0 ? this.run.total : 1;
      const avail = Math.max(320, this.scroller.clientWidth - LABEL_W - 2);
      const fit = (avail - PAD_L - PAD_R) / total;
      return { fit, maxZoom: Math.max(1, Math.min(400, (MAX_CHART_W - PAD_L - PAD_R) / (fit * total))) };
    },

    setZoom(z, anchorX) {
      const sc = this.scroller;
      const anchor = anchorX === undefined ? (sc.clientWidth - LABEL_W) / 2 : anchorX;
      const unit = (sc.scrollLeft + anchor - PAD_L) / this.ppu;
      const { fit, maxZoom } = this.scale();
      this.zoom = Math.min(Math.max(z, 1), maxZoom);
      this.draw(Math.max(0, unit * fit * this.zoom + PAD_L - anchor));
      this.follow();
    },

    /** Whether lane ``i`` has a bar or span between units ``u0`` and ``u1``. */
    busy(i, u0, u1) {
      const ext = this.extents[i];
      if (!ext.length) return true; // markers only: nothing to hide it for
      return ext.some(([a, b]) => b >= u0 && a <= u1);
    },

    /** After a zoom, when none of the lanes in view is busy in view, scroll to one that is. */
    follow() {
      const sc = this.scroller;
      const [u0, u1] = this.view;
      const first = Math.floor(sc.scrollTop / this.laneH);
      const rows = this.shown.slice(first, first + Math.ceil(this.lanesInView()));
      if (!rows.length || rows.some((i) => this.busy(i, u0, u1))) return;
      const row = this.shown.findIndex((i) => this.busy(i, u0, u1));
      if (row >= 0) sc.scrollTop = row * this.laneH;
    },

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
    },

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
    },

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
    },

    hoverLane(e) {
      if (!this.lanesSvg) return;
      const box = this.lanesSvg.getBoundingClientRect();
      const row = Math.floor((e.clientY - box.top) / this.laneH);
      this.hoverRow(e.clientY >= box.top && e.clientY < box.bottom ? row : -1);
    },

    hoverRow(row) {
      if (row === this.hovered) return;
      for (const n of [this.labelNodes?.[this.hovered], this.bgNodes?.[this.hovered]]) n?.classList.remove("hover");
      this.hovered = row;
      for (const n of [this.labelNodes?.[row], this.bgNodes?.[row]]) n?.classList.add("hover");
    },

    /** The lanes the search and "only steps with errors" keep. */
    baseLanes() {
      const out = [];
      this.run.lanes.forEach((lane, i) => {
        if (this.problemsOnly && !this.problem[i]) return;
        if (this.filter && !lane.name.toLowerCase().includes(this.filter)) return;
        out.push(i);
      });
      return out;
    },

    /** The lanes to draw: the base ones, less those idle in view when zoomed in. */
    visibleLanes() {
      const base = this.baseLanes();
      if (!this.onlyInView || this.zoom <= 1.001) return base;
      const [u0, u1] = this.view;
      return base.filter((i) => this.busy(i, u0, u1));
    },

    countText() {
      const n = this.run.lanes.length, shown = this.shown.length;
      if (shown === n) return `${int(n)} step${n === 1 ? "" : "s"}`;
      const idle = this.onlyInView && this.zoom > 1.001 ? " in view" : "";
      return `${int(shown)} of ${int(n)} steps${idle}`;
    },
  });
