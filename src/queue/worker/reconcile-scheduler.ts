// The fleet's own reconciliation (PIXOUT_RECONCILE=true, docs/operating/reconciliation.md): BullMQ job schedulers on
// `<queue>-reconcile` — daily at 01:15 São Paulo and every PIXOUT_RECONCILE_EVERY_MINUTES — each run taken by
// one worker of the fleet (a scheduler is one Redis entry, however many workers upsert it), over the last
// PIXOUT_RECONCILE_DAYS days, resolving what the statement proves. Its bank calls take the fleet's budgets.
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, Worker } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import type { Config } from "../../config.js";
import type { InterClient } from "../../inter/client.js";
import type { Logger } from "../../logger.js";
import type { Notifier } from "../../notifications/notifier.js";
import { saoPauloToday, shiftIsoDate } from "../../payments/calendar.js";
import { bullPrefix, reconcileQueueName } from "../names.js";
import { runReconciliation, runSettings, type ReconcileReport } from "./reconcile-run.js";

/** Daily at 01:15 in São Paulo: the previous day is over, and the bank's night processing with it. */
export const DAILY_PATTERN = "15 1 * * *";
export const SAO_PAULO_TZ = "America/Sao_Paulo";
/** How long a closing worker waits for its reconciliation run to reach a step where it may stop. */
const CLOSE_WAIT_MS = 5_000;

export interface ReconcileSchedulerOptions {
  config: Config;
  redis: RedisClient;
  /** A client whose calls pass the fleet's budgets (a gate). */
  client: InterClient;
  notifier: Pick<Notifier, "notifyOutcome" | "notifyFinding">;
  logger: Logger;
  /** The clock of each run; default Date.now. */
  now?: () => number;
  /** Told of each finished run (metrics, tests). */
  onReport?: (report: ReconcileReport) => void;
}

export interface ReconcileScheduler {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

export async function startReconcileScheduler(options: ReconcileSchedulerOptions): Promise<ReconcileScheduler> {
  const { config, redis, logger } = options;
  const settings = config.worker.reconcile;
  const name = reconcileQueueName(config.queueName);
  const prefix = bullPrefix(config.redisPrefix);
  const queue = new Queue(name, { connection: redis, prefix });
  queue.on("error", () => undefined);
  const keep = { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } };
  // One run at a time in the whole fleet: two at once would share the statement's 10 calls a minute.
  await queue.setGlobalConcurrency(1);
  await queue.upsertJobScheduler("daily", { pattern: DAILY_PATTERN, tz: SAO_PAULO_TZ }, { name: "daily", opts: keep });
  await queue.upsertJobScheduler("frequent", { every: settings.everyMs }, { name: "frequent", opts: keep });
  let closing = false;
  let running: Promise<unknown> | undefined;
  const payouts = new Queue(config.queueName, { connection: redis, prefix });
  payouts.on("error", () => undefined);
  const worker = new Worker(
    name,
    (job) => {
      const run = runOnce(job.name);
      running = run.finally(() => {
        running = undefined;
      });
      return run;
    },
    { connection: redis, prefix, concurrency: 1, autorun: true },
  );

  async function runOnce(jobName: string): Promise<{ findings: number; complete: boolean }> {
    const now = (options.now ?? Date.now)();
    const today = saoPauloToday(now);
    const report = await runReconciliation({
      ...runSettings(config, payouts, redis, options.client),
      window: { from: shiftIsoDate(today, -(settings.days - 1)), to: today },
      now,
      apply: true,
      actor: `reconciliation (${jobName})`,
      notifier: options.notifier,
      aborted: () => closing,
      keep: "full",
    });
    const log = {
      run: jobName,
      window: report.window,
      byKind: report.byKind,
      findings: report.findings,
      complete: report.complete,
      resolved: report.applied.filter((a) => a.status === "resolved").length,
    };
    if (report.findings > 0 || !report.complete)
      logger.error(
        log,
        "reconciliation found what needs a human (pixout reconcile shows it; docs/operating/reconciliation.md)",
      );
    else logger.info(log, "reconciliation clean");
    options.onReport?.(report);
    return { findings: report.findings, complete: report.complete };
  }
  worker.on("failed", (job, err) => {
    if (closing) return; // stopped by the shutdown: the next run does it
    logger.error({ run: job?.name, err: err.message }, "reconciliation run failed; the next one tries again");
  });
  worker.on("error", (err) => {
    logger.warn({ err: err.message }, "reconciliation worker error");
  });
  return {
    queue,
    worker,
    async close() {
      // A run stops at its next step (never between a resolution and its announcement); the payout
      // worker's shutdown waits a few seconds for that at most, then leaves the run to the next one.
      closing = true;
      await Promise.race([running?.catch(() => undefined), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
      await worker.close(true);
      await payouts.close();
      await queue.close();
    },
  };
}
