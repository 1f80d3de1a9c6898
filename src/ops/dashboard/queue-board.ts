// bull-board at /queues, read-only for everyone: its own retry, clean, remove and promote
// buttons would move payment jobs around retryPayment (src/queue/producer/retry.ts) — no retry rules, no audit, a
// possible second payment — so every queue is in readOnlyMode, a `before` hook refuses any write that
// reaches it, and the server refuses non-GET requests under /queues before bull-board sees them
// (src/ops/dashboard/app.ts).
//
// What it shows: job data through allow-lists (job-data-view.ts) — payout jobs and notification jobs each
// their own, and the data templates of job schedulers too (bull-board does not format those) — and then
// the whole body of every API answer scrubbed (failure reasons, stack traces, logs, progress, return
// values, names, options: anything a producer or a bank text could have put there; masking twice is
// harmless). Redis details (version, memory, clients) and the workers' client addresses are not shown:
// operators read worker health from /readyz and /metrics.
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Express } from "express";
import { notificationDataView, payoutDataView } from "./job-data-view.js";
import { scrubDeep } from "./personal-data.js";

export const QUEUE_BOARD_PATH = "/queues";
export const READ_ONLY_MESSAGE = "the queue board is read-only; retry a payment from its page, which is audited";
/** bull-board's page size is a query parameter: a bigger one would make each poll read that many jobs. */
export const MAX_JOBS_PER_PAGE = 100;

export interface BoardQueues {
  /** The payout queue: its jobs' data as payoutDataView shows it. */
  payouts: Queue;
  /** Its notifications queue: its jobs' data as notificationDataView shows it. */
  notifications: Queue;
}

/** Whether `path` (as Express sees it, any case) is the board's or under it: `/queues` or `/queues/…`. */
export function isQueueBoardPath(path: string): boolean {
  const p = path.toLowerCase();
  return p === QUEUE_BOARD_PATH || p.startsWith(`${QUEUE_BOARD_PATH}/`);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `GET /api/job-schedulers`: each scheduler's template data through its queue's view ("[hidden]" for an unknown queue). */
function maskSchedulerTemplates(body: unknown, views: ReadonlyMap<string, (data: unknown) => unknown>): unknown {
  const b = record(body);
  const schedulers = b?.["schedulers"];
  if (!b || !Array.isArray(schedulers)) return body;
  return {
    ...b,
    schedulers: schedulers.map((s: unknown) => {
      const scheduler = record(s);
      const template = record(scheduler?.["template"]);
      if (!scheduler || !template || !("data" in template)) return s;
      const queueName = scheduler["queueName"];
      const view = typeof queueName === "string" ? views.get(queueName) : undefined;
      return { ...scheduler, template: { ...template, data: view ? view(template["data"]) : "[hidden]" } };
    }),
  };
}

/** The board's Express app (mount it at QUEUE_BOARD_PATH). */
export function createQueueBoard(queues: BoardQueues): Express {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  const views = new Map<string, (data: unknown) => unknown>([
    [queues.payouts.name, payoutDataView],
    [queues.notifications.name, notificationDataView],
  ]);
  const adapters = [...views].map(([name, view]) => {
    const queue = name === queues.payouts.name ? queues.payouts : queues.notifications;
    const adapter = new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false });
    adapter.setFormatter("data", view);
    adapter.setFormatter("returnValue", (value: unknown) => scrubDeep(value, []));
    adapter.setFormatter("progress", (value: unknown) => scrubDeep(value, []));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      // hideRedisDetails: /api/redis/stats answers 403 (Redis version, memory, clients); showWorkers false:
      // no CLIENT LIST (the workers' ip:port) on every poll.
      uiConfig: { boardTitle: "pixout queues", hideRedisDetails: true, showWorkers: false },
      handlerHooks: {
        before: ({ method }) =>
          method === "get" ? undefined : { allow: false, status: 403, message: READ_ONLY_MESSAGE },
        after: ({ route }, result) => {
          const body = route === "/api/job-schedulers" ? maskSchedulerTemplates(result.body, views) : result.body;
          return { ...result, body: scrubDeep(body, []) as typeof result.body };
        },
      },
    },
  });
  const app = serverAdapter.getRouter() as Express;
  // bull-board's sub-app is an Express app of its own: the parent's setting does not reach it.
  app.disable("x-powered-by");
  return app;
}
