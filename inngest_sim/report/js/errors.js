  /* inngest-sim report: draws the runs embedded as JSON in #report-data.
   *
   * Plain DOM and SVG, no dependencies, no network. Every string from the trace
   * goes through textContent or setAttribute, never through HTML parsing.
   * Positions come in axis units (one unit = one virtual second where time is
   * linear, see inngest_sim/report/_layout.py); this script scales them to
   * pixels, zooms, filters lanes and shows details on hover and click.
   * When drawing ends, body[data-rendered] is "ok" and body[data-errors] lists
   * anything that went wrong (the browser test reads both).
   *
   * The script is the files of inngest_sim/report/js/, joined in the order of
   * _page.SCRIPTS inside one strict-mode function: each file uses what the files
   * before it define, RunView's methods are spread over the files of its views,
   * and page.js, the last, draws the page.
   */

  // ------------------------------------------------------------------ errors
  // Anything that goes wrong while drawing is listed in body[data-errors].
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
