// Serves the functions on http://127.0.0.1:$PORT/api/inngest with the SDK's node:http adapter.
// PORT=0 picks a free port; the first stdout line says which, so a harness can wait for it.
import http from "node:http";
import type { AddressInfo } from "node:net";

import { serve } from "inngest/node";

import { checkpointing, inngest } from "./client.js";
import { functions } from "./functions.js";

const SERVE_PATH = "/api/inngest";
const handler = serve({ client: inngest, functions, servePath: SERVE_PATH });

const server = http.createServer((req, res) => {
  const path = (req.url ?? "").split("?")[0];
  if (path === SERVE_PATH) {
    handler(req, res);
    return;
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: `no route ${path}` }));
});

const port = Number(process.env.PORT ?? "3000");
server.listen(port, "127.0.0.1", () => {
  const { port: bound } = server.address() as AddressInfo;
  const mode = checkpointing ? "checkpointing" : "classic";
  const base = process.env.INNGEST_BASE_URL ?? process.env.INNGEST_DEV ?? "(SDK default)";
  console.log(
    `ts-app listening on http://127.0.0.1:${bound}${SERVE_PATH} (${mode}; inngest ${base})`,
  );
});

// A harness stops the app with SIGTERM; close the listener so the exit is clean.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
