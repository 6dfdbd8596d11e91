  // --------------------------------------------------------------- timeline
  // The axis, the run row, the lanes and the concurrency curve, redrawn by draw().
  Object.assign(RunView.prototype, {
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
        h("span", { class: `dot ${lane.o}${lane.rf ? " returned" : ""}` }), h("span", { class: "name", text: lane.name }),
        lane.n > 1 ? h("span", { class: "tries", text: `×${lane.n}` }) : null,
        // A step that succeeded but returned {ok: false}: the work it stands for failed.
        lane.rf ? h("span", { class: "returned", text: lane.rf.code || "ok: false",
          title: `returned a failure: ${lane.rf.code} ${lane.rf.message}`.trim() }) : null);
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
    },

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
    },

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
    },

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
    },

    mark(e, x, y) {
      const it = e.item;
      const cls = `mark ${it.k}${it.k === "end" ? " " + statusClass(this.run.status) : ""}`;
      const r = this.compact ? 3.5 : 5;
      if (it.k === "queued") return s("circle", { class: cls, cx: x, cy: y, r: r - 0.5, "data-k": e.key });
      if (it.k === "fault") return s("path", { class: cls, d: `M${x} ${y - r}L${x + r} ${y + r}L${x - r} ${y + r}Z`, "data-k": e.key });
      return s("path", { class: cls, d: `M${x} ${y - r}L${x + r} ${y}L${x} ${y + r}L${x - r} ${y}Z`, "data-k": e.key });
    },

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
    },

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
    },
  });
