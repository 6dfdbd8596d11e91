// The app's Inngest client. The SDK itself reads INNGEST_DEV and INNGEST_BASE_URL (or
// INNGEST_API_BASE_URL / INNGEST_EVENT_API_BASE_URL) from the environment; the app only
// adds the checkpointing switch, which v4 has no environment variable for.
import { Inngest } from "inngest";
import { metadataMiddleware } from "inngest/experimental";

export const APP_ID = "ts-app";

/**
 * `TS_APP_CHECKPOINTING=off` (or `0`, `false`) turns v4's default checkpointing off at the
 * client, so every step is one request (the classic protocol). Unset or anything else keeps
 * the default. The executor can also turn checkpointing off per request by omitting
 * `ctx.fn_id`; this switch exercises the app-side way.
 */
export function checkpointingFromEnv(value: string | undefined): boolean {
  return !["off", "0", "false", "no"].includes((value ?? "").trim().toLowerCase());
}

export const checkpointing = checkpointingFromEnv(process.env.TS_APP_CHECKPOINTING);

// metadataMiddleware turns on the experimental inngest.metadata / step.metadata tools.
export const inngest = new Inngest({ id: APP_ID, checkpointing, middleware: [metadataMiddleware()] });
