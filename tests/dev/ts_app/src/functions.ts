// One function per scenario that inngest-sim drives over HTTP. Each takes what varies from
// its trigger event's data, with defaults, so a test can steer it without changing the app.
import { NonRetriableError, RetryAfterError } from "inngest";
import { createDefer } from "inngest/experimental";

import { inngest } from "./client.js";

/** A far-future instant: an absolute timeout or wake time that never passes in real time. */
const FAR_FUTURE = "2031-01-01T00:00:00.000Z";

type Data = Record<string, unknown>;

function num(data: Data, key: string, fallback: number): number {
  const value = data[key];
  return typeof value === "number" ? value : fallback;
}

function str(data: Data, key: string, fallback: string): string {
  const value = data[key];
  return typeof value === "string" ? value : fallback;
}

function chunked<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Two steps, the second using the first's output: one request per step without checkpointing. */
export const sequential = inngest.createFunction(
  { id: "sequential", triggers: [{ event: "ts/sequential" }] },
  async ({ event, step }) => {
    const a = await step.run("step-a", () => num(event.data, "n", 1) + 1);
    const b = await step.run("step-b", () => a * 10);
    return { a, b };
  },
);

/** The seed's pattern: chunks of parallel `step.run`, each chunk awaited with `Promise.all`. */
export const fanout = inngest.createFunction(
  { id: "fanout", triggers: [{ event: "ts/fanout" }] },
  async ({ event, step }) => {
    const items = Array.from({ length: num(event.data, "count", 12) }, (_, i) => i);
    const results: string[] = [];
    for (const chunk of chunked(items, num(event.data, "chunk", 5))) {
      const done = await Promise.all(chunk.map((a) => step.run(`image-${a}`, () => `img-${a}`)));
      results.push(...done);
    }
    const persisted = await step.run("persist", () => results.length);
    return { results, persisted };
  },
);

/**
 * A step that fails its first `failures` attempts, then succeeds. With `retryAfter` set the
 * failure is a RetryAfterError carrying that delay (`"30s"`, or an ISO instant for a Date).
 */
export const flaky = inngest.createFunction(
  { id: "flaky", retries: 3, triggers: [{ event: "ts/flaky" }] },
  async ({ event, step, attempt }) => {
    const failures = num(event.data, "failures", 2);
    const retryAfter = event.data.retryAfter;
    const value = await step.run("flaky-step", () => {
      if (attempt < failures) {
        const message = `attempt ${attempt} fails`;
        if (typeof retryAfter === "string") throw new RetryAfterError(message, retryAfter);
        throw new Error(message);
      }
      return { succeededOnAttempt: attempt };
    });
    return await step.run("after-flaky", () => ({ ...value, done: true }));
  },
);

/** NonRetriableError thrown inside a step (`where: "step"`) or by the function itself. */
export const nonRetriable = inngest.createFunction(
  { id: "non-retriable", retries: 2, triggers: [{ event: "ts/non-retriable" }] },
  async ({ event, step }) => {
    if (str(event.data, "where", "step") === "function") {
      throw new NonRetriableError("refused by the function");
    }
    await step.run("refuse", () => {
      throw new NonRetriableError("refused in a step");
    });
    return "unreachable";
  },
);

/**
 * Function-level failures on every attempt: a plain Error (`kind: "plain"`), or a RetryAfterError
 * with a Date (`kind: "retry-after-date"`), whose `retry-after` header is then an ISO instant.
 */
export const functionErrors = inngest.createFunction(
  { id: "function-errors", retries: 2, triggers: [{ event: "ts/function-errors" }] },
  async ({ event, attempt }) => {
    if (str(event.data, "kind", "plain") === "retry-after-date") {
      throw new RetryAfterError(`attempt ${attempt} fails`, new Date(FAR_FUTURE));
    }
    throw new Error(`attempt ${attempt} fails`);
  },
);

/**
 * A step that fails for good (retries 0), caught by the function: the output shows the error
 * the SDK rebuilt from the executor's error memo (name, message, whether a stack came back).
 */
export const catchStepError = inngest.createFunction(
  { id: "catch-step-error", retries: 0, triggers: [{ event: "ts/catch" }] },
  async ({ step }) => {
    try {
      await step.run("doomed", () => {
        throw new TypeError("bad type");
      });
      return { caught: null };
    } catch (err) {
      const e = err as Error;
      return { caught: { name: e.name, message: e.message, stack: typeof e.stack } };
    }
  },
);

/** Relative sleeps and sleepUntil; the op names are the SDK's duration strings or an ISO time. */
export const sleeps = inngest.createFunction(
  { id: "sleeps", triggers: [{ event: "ts/sleeps" }] },
  async ({ event, step }) => {
    await step.sleep("sleep-3d", "3d"); // name "3d"
    await step.sleep("sleep-90s", 90_000); // ms → "1m30s"
    await step.sleep("sleep-zero", 0); // → "" (zero)
    await step.sleepUntil("sleep-until", new Date(str(event.data, "until", FAR_FUTURE)));
    return await step.run("after-sleeps", () => "awake");
  },
);

/**
 * waitForEvent with an absolute (ISO) timeout and a `match`; the executor either resolves it
 * with a matching `ts/approval` event or times it out with null.
 */
export const waitForApproval = inngest.createFunction(
  { id: "wait-for-approval", triggers: [{ event: "ts/approval.requested" }] },
  async ({ event, step }) => {
    const approval = await step.waitForEvent("wait-approval", {
      event: "ts/approval",
      match: "data.id",
      timeout: new Date(str(event.data, "deadline", FAR_FUTURE)),
    });
    return await step.run("after-wait", () => ({
      approved: approval !== null,
      by: approval === null ? null : approval.data.by,
    }));
  },
);

/** step.sendEvent: the SDK itself posts the event to the Event API inside the step. */
export const sendFollowup = inngest.createFunction(
  { id: "send-followup", triggers: [{ event: "ts/send" }] },
  async ({ event, step }) => {
    const sent = await step.sendEvent("send-followup", {
      name: "ts/followup",
      data: { from: str(event.data, "from", "ts-app") },
    });
    return { ids: sent.ids };
  },
);

/** The function `invoker` calls; also triggerable by its own event. */
export const invokeChild = inngest.createFunction(
  { id: "invoke-child", triggers: [{ event: "ts/child" }] },
  async ({ event, step }) => {
    const n = num(event.data, "n", 1);
    return await step.run("double", () => ({ doubled: n * 2 }));
  },
);

/** step.invoke with an absolute (ISO) timeout. */
export const invoker = inngest.createFunction(
  { id: "invoker", triggers: [{ event: "ts/invoke" }] },
  async ({ event, step }) => {
    const child = await step.invoke("call-child", {
      function: invokeChild,
      data: { n: num(event.data, "n", 21) },
      timeout: new Date(FAR_FUTURE),
    });
    return { child };
  },
);

/** One Promise.all mixing a step, a sleep and a wait with a relative timeout and an `if`. */
export const mixed = inngest.createFunction(
  { id: "mixed", triggers: [{ event: "ts/mixed" }] },
  async ({ step }) => {
    const [ran, , signal] = await Promise.all([
      step.run("mixed-run", () => "ran"),
      step.sleep("mixed-sleep", "30s"),
      step.waitForEvent("mixed-wait", {
        event: "ts/mixed.signal",
        timeout: "1h",
        if: "async.data.ok == true",
      }),
    ]);
    return { ran, signalled: signal !== null };
  },
);

/**
 * step.fetch: the executor makes the HTTP call (opcode `Gateway`) and the step resolves to a
 * Response built from what it saved. `url` is required; `method` and `body` are optional; the
 * request carries an `x-ts-app: fetch` header. Retries 1, so a transport error gets two attempts.
 */
export const fetchUrl = inngest.createFunction(
  { id: "fetch-url", retries: 1, triggers: [{ event: "ts/fetch" }] },
  async ({ event, step }) => {
    const body = event.data.body;
    const response = await step.fetch(str(event.data, "url", "http://127.0.0.1:9/"), {
      method: str(event.data, "method", "GET"),
      headers: { "x-ts-app": "fetch" },
      body: typeof body === "string" ? body : undefined,
    });
    return {
      status: response.status,
      body: await response.text(),
      echoed: response.headers.get("x-echo"),
    };
  },
);

/**
 * step.waitForSignal on `signal` (default "ts-signal") with `timeout` (default "1h") and the
 * conflict mode `conflict` ("replace", or else "fail"); returns what resumed it (null: timed out).
 */
export const waitForSignal = inngest.createFunction(
  { id: "wait-for-signal", retries: 2, triggers: [{ event: "ts/signal.wait" }] },
  async ({ event, step }) => {
    const got = await step.waitForSignal("wait-signal", {
      signal: str(event.data, "signal", "ts-signal"),
      timeout: str(event.data, "timeout", "1h"),
      onConflict: event.data.conflict === "replace" ? "replace" : "fail",
    });
    return { got };
  },
);

/** step.sendSignal to `signal` with `data`; returns the SDK's answer (the resumed run's id). */
export const sendSignal = inngest.createFunction(
  { id: "send-signal", retries: 0, triggers: [{ event: "ts/signal.send" }] },
  async ({ event, step }) => {
    const sent = await step.sendSignal("send-signal", {
      signal: str(event.data, "signal", "ts-signal"),
      data: event.data.data ?? null,
    });
    return { sent };
  },
);

/**
 * Step metadata three ways: set for the running step (rides on its op), `step.metadata` for
 * the run (rides on that step's op), and for another step (the SDK posts it to
 * `/v1/runs/{id}/metadata`). `size` repeats a character that many times in the last one,
 * `opSize` in the first.
 */
export const withMetadata = inngest.createFunction(
  { id: "with-metadata", retries: 0, triggers: [{ event: "ts/metadata" }] },
  async ({ event, step }) => {
    const measured = await step.run("measured", async () => {
      const big = num(event.data, "opSize", 0);
      await inngest.metadata.set(big ? { progress: 50, blob: "y".repeat(big) } : { progress: 50 }, "progress");
      return "measured";
    });
    await step.metadata("run-meta").set({ stage: "done" });
    await step
      .metadata("other-meta")
      .step("measured")
      .set({ note: "x".repeat(num(event.data, "size", 1)) });
    return measured;
  },
);

/** The function `with-defer` defers: returns its input, which run deferred it and the
 * sessions it was given, if any. */
export const deferredReport = createDefer(
  inngest,
  { id: "deferred-report", retries: 0 },
  async ({ event, parents, sessions }) => ({
    input: event.data,
    parent: parents[0]?.fnSlug ?? null,
    ...(sessions && Object.keys(sessions).length > 0 ? { sessions } : {}),
  }),
);

/**
 * defer(): two deferred runs registered before a step (and `extra` more); the second is aborted
 * after the step unless `abort` is false. Each `inngest/deferred.schedule` event is sent when
 * this run ends.
 */
export const withDefer = inngest.createFunction(
  { id: "with-defer", retries: 0, triggers: [{ event: "ts/defer" }] },
  async ({ event, step, defer }) => {
    defer("report", { function: deferredReport, data: { n: num(event.data, "n", 1) } });
    const dropped = defer("dropped", { function: deferredReport, data: { n: -1 } });
    for (let i = 0; i < num(event.data, "extra", 0); i++) {
      defer(`extra-${i}`, { function: deferredReport, data: { n: i } });
    }
    await step.run("work", () => "worked");
    if (event.data.abort !== false) dropped.abort();
    return await step.run("after", () => "done");
  },
);

/** Returns the sessions its run was given (`ctx.sessions`: its event's `meta.sessions`). */
export const sessionChild = inngest.createFunction(
  { id: "session-child", triggers: [{ event: "ts/session.child" }] },
  async ({ sessions }) => ({ sessions: sessions ?? null }),
);

/**
 * Sessions carried on: a `step.sendEvent` whose own `meta.sessions` adds `own` and removes
 * `drop` (a null), a `step.invoke` and a `defer()`; each child reports the sessions it got.
 */
export const sessionParent = inngest.createFunction(
  { id: "session-parent", triggers: [{ event: "ts/session" }] },
  async ({ sessions, step, defer }) => {
    await step.sendEvent("forward", {
      name: "ts/session.child",
      data: {},
      meta: { sessions: { drop: null, own: "mine" } },
    });
    defer("session-defer", { function: deferredReport, data: { from: "session-parent" } });
    const invoked = await step.invoke("call-session-child", { function: sessionChild, data: {} });
    return { sessions: sessions ?? null, invoked };
  },
);

export const functions = [
  sequential,
  fanout,
  flaky,
  nonRetriable,
  functionErrors,
  catchStepError,
  sleeps,
  waitForApproval,
  sendFollowup,
  invokeChild,
  invoker,
  mixed,
  fetchUrl,
  waitForSignal,
  sendSignal,
  withMetadata,
  deferredReport,
  withDefer,
  sessionChild,
  sessionParent,
];
