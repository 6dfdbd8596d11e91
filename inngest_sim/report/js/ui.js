  // ----------------------------------------------------------- tooltip & pin
  // The tooltip and the pinned card, one of each for the whole page.
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
