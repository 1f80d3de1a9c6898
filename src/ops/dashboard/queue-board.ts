// bull-board at /queues (issue #5 §1), read-only for everyone: its own retry, clean, remove and promote
// buttons would move payment jobs around retryPayment (src/queue/retry.ts) — no retry rules, no audit, a
// possible second payment — so every queue is in readOnlyMode, a `before` hook refuses any write that
// reaches it, and the server refuses non-GET requests under /queues before bull-board sees them
// (src/ops/dashboard/app.ts). What it shows is masked: job data and return values through formatters,
// failure reasons, stack traces and job logs through an `after` hook.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Router } from "express";
import { scrubPersonalData } from "../../payments/mask.js";
import { maskJobData, scrubDeep } from "./personal-data.js";

export const QUEUE_BOARD_PATH = "/queues";
export const READ_ONLY_MESSAGE = "the queue board is read-only; retry a payment from its page, which is audited";

/** Failure reasons and stack traces anywhere in a bull-board answer, scrubbed (they may quote job data). */
function scrubFailures(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => scrubFailures(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (k === "failedReason" && typeof v === "string") return [k, scrubPersonalData(v)];
      if (k === "stacktrace") return [k, scrubDeep(v, [])];
      return [k, scrubFailures(v, depth + 1)];
    }),
  );
}

/** The board's Express router for `queues` (mount it at QUEUE_BOARD_PATH). */
export function createQueueBoard(queues: readonly Queue[]): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  const adapters = queues.map((queue) => {
    const adapter = new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false });
    adapter.setFormatter("data", (data: unknown) => maskJobData(data));
    adapter.setFormatter("returnValue", (value: unknown) => scrubDeep(value, []));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: { boardTitle: "pixout queues" },
      handlerHooks: {
        before: ({ method }) => (method === "get" ? undefined : { allow: false, status: 403, message: READ_ONLY_MESSAGE }),
        // A job's logs are the whole body of their route.
        after: ({ route }, result) => ({ ...result, body: (route.endsWith("/logs") ? scrubDeep(result.body, []) : scrubFailures(result.body)) as typeof result.body }),
      },
    },
  });
  return serverAdapter.getRouter() as Router;
}
