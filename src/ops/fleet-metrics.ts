// Fleet-wide metrics for the dashboard's /metrics, read from Redis at each scrape: what no
// single worker process knows. Per-process metrics (bank call latency, token requests, rate-limit waits,
// payments by outcome) are on each worker's own port (src/ops/metrics/); see docs/operating/observability.md.
//   pixout_queue_jobs{queue,state}                  jobs per BullMQ state
//   pixout_queue_oldest_waiting_seconds{queue}      age of the oldest job in wait that no worker has started
//                                                   yet (0: none). A payment in progress goes back to wait
//                                                   at each due step keeping its first enqueue's timestamp;
//                                                   it is skipped (it has a processedOn), or a payment
//                                                   polled for 3 h would read "waiting 3 h" at every poll.
//                                                   Its late steps show in the overdue gauge while delayed.
//                                                   (An operator's retry clears processedOn: the retried
//                                                   job counts from its first enqueue until a worker takes it.)
//   pixout_queue_overdue_seconds{queue}             how late the most overdue delayed step is (0: none):
//                                                   payments in progress wait in "delayed" between steps;
//                                                   a growing value means no worker is taking them
//   pixout_workers_alive{queue}                     payout worker processes with a recent heartbeat
//   pixout_fleet_certificate_days_left{queue}       least days of validity among live workers' certificates
//   pixout_reconciliation_findings{queue,kind}      rows needing a human in the latest reconciliation run
//   pixout_reconciliation_last_clean_run_age_seconds{queue}  since the latest complete run without findings
//                                                   (absent when no run was clean in 90 days)
//   pixout_account_held{queue,account}              1 for each paying account held for insufficient balance
//                                                   (no series for an account not held: alert on its presence)
//   pixout_held_payments{queue}                     payments waiting for an account's balance, and their
//   pixout_held_amount_centavos{queue}              total (centavos: an integer, never a float of reais)
//   pixout_approvals_waiting{queue}                 payments awaiting approval in Inter's internet banking,
//   pixout_approvals_waiting_amount_centavos{queue} and their total
import type { Queue } from "bullmq";
import type { RedisClient } from "../redis/connections.js";
import { Gauge, Registry } from "prom-client";
import { FINDING_KINDS, type RowKind } from "../payments/reconciliation.js";
import { createAccountHolds } from "../queue/account-holds.js";
import { createApprovals } from "../queue/approvals.js";
import { reconciliationStatus } from "../queue/worker/reconcile-run.js";
import { daysLeft, liveWorkers, redisNow } from "./worker-heartbeat.js";

const STATES = ["wait", "prioritized", "active", "delayed", "completed", "failed", "waiting-children"] as const;

interface Snapshot {
  counts: { queue: string; state: string; count: number }[];
  oldestWaiting: { queue: string; seconds: number }[];
  overdue: { queue: string; seconds: number }[];
  workers: number;
  certificateDays: number | undefined;
  /** The latest reconciliation's findings by kind (undefined: no run kept), and the age of the last clean run. */
  findings: Partial<Record<RowKind, number>> | undefined;
  lastCleanAgeSeconds: number | undefined;
  /** The held accounts, with the payments waiting on each; the payments awaiting approval. */
  held: { account: string; payments: number; cents: number }[];
  approvals: { count: number; cents: number };
}

/** Jobs read per round trip, and at most per scrape, looking for the oldest job never started. */
const WAIT_SCAN = { batch: 50, limit: 1_000 };

/**
 * The age of the oldest job in `wait` that no worker has started (no processedOn), in seconds; 0 when
 * there is none among the `limit` jobs nearest the tail. BullMQ adds at the head and workers take from the
 * tail, so the list runs from the newest arrival to the oldest: the first never-started job from the tail
 * is the one waiting longest. Steps of payments in progress, promoted from delayed, sit in between.
 */
export async function oldestWaitingSeconds(
  queue: Pick<Queue, "toKey">,
  redis: RedisClient,
  now: number,
  scan = WAIT_SCAN,
): Promise<number> {
  const wait = queue.toKey("wait");
  for (let read = 0; read < scan.limit;) {
    const count = Math.min(scan.batch, scan.limit - read);
    // LRANGE with negative indexes counts from the tail; it answers in head-to-tail order.
    const ids = (await redis.lrange(wait, -(read + count), -(read + 1))).reverse();
    if (ids.length === 0) return 0;
    const p = redis.pipeline();
    for (const id of ids) p.hmget(queue.toKey(id), "timestamp", "processedOn");
    const rows = (await p.exec()) ?? [];
    for (const [err, fields] of rows) {
      if (err !== null) throw err;
      const [timestamp, processedOn] = fields as (string | null)[];
      // No timestamp: removed meanwhile. A processedOn: a step of a payment in progress.
      if (
        timestamp === null ||
        timestamp === undefined ||
        (processedOn !== null && processedOn !== undefined && processedOn !== "")
      )
        continue;
      return Math.max(0, (now - Number(timestamp)) / 1000);
    }
    if (ids.length < count) return 0;
    read += ids.length;
  }
  return 0;
}

/** Delayed scores are the due time × 0x1000 plus a counter (bullmq's getDelayedScore.lua). */
async function overdueSeconds(queue: Queue, redis: RedisClient, now: number): Promise<number> {
  const first = await redis.zrange(queue.toKey("delayed"), 0, 0, "WITHSCORES");
  const score = first[1];
  if (score === undefined) return 0;
  const due = Math.floor(Number(score) / 0x1000);
  return Math.max(0, (now - due) / 1000);
}

export function createFleetMetrics(o: {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  queues: Queue[];
}): Registry {
  const registry = new Registry();
  const holds = createAccountHolds(o.redis, o.redisPrefix, o.queueName);
  const approvals = createApprovals(o.redis, o.redisPrefix, o.queueName);
  // One read of Redis per scrape, shared by every gauge's collect().
  let pending: { at: number; snapshot: Promise<Snapshot> } | undefined;
  const snapshot = (): Promise<Snapshot> => {
    if (pending && Date.now() - pending.at < 1_000) return pending.snapshot;
    const read = (async (): Promise<Snapshot> => {
      const now = await redisNow(o.redis);
      const counts: Snapshot["counts"] = [];
      const oldestWaiting: Snapshot["oldestWaiting"] = [];
      const overdue: Snapshot["overdue"] = [];
      for (const queue of o.queues) {
        const c = await queue.getJobCounts(...STATES);
        for (const state of STATES) counts.push({ queue: queue.name, state, count: c[state] ?? 0 });
        oldestWaiting.push({ queue: queue.name, seconds: await oldestWaitingSeconds(queue, o.redis, now) });
        overdue.push({ queue: queue.name, seconds: await overdueSeconds(queue, o.redis, now) });
      }
      const workers = await liveWorkers(o.redis, o.redisPrefix, o.queueName);
      const earliest = workers.map((w) => w.certificateValidTo).sort()[0];
      const { latest, lastCleanAt } = await reconciliationStatus(o.redis, o.redisPrefix, o.queueName);
      const [held, approvalTotals] = await Promise.all([holds.list(), approvals.totals()]);
      return {
        counts,
        oldestWaiting,
        overdue,
        workers: workers.length,
        certificateDays: earliest === undefined ? undefined : daysLeft(earliest, now),
        findings:
          latest === undefined
            ? undefined
            : Object.fromEntries(Object.entries(latest.byKind).filter(([k]) => FINDING_KINDS.has(k as RowKind))),
        lastCleanAgeSeconds: lastCleanAt === undefined ? undefined : Math.max(0, (now - lastCleanAt) / 1000),
        held: held.map((h) => ({ account: h.account, payments: h.heldPayments, cents: h.heldCents })),
        approvals: approvalTotals,
      };
    })();
    pending = { at: Date.now(), snapshot: read };
    read.catch(() => {
      pending = undefined; // the next scrape tries again
    });
    return read;
  };
  new Gauge({
    name: "pixout_queue_jobs",
    help: "Jobs per BullMQ state (wait: not started; delayed: scheduled or between steps of a payment in progress)",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of (await snapshot()).counts) this.set({ queue: c.queue, state: c.state }, c.count);
    },
  });
  new Gauge({
    name: "pixout_queue_oldest_waiting_seconds",
    help: "Age of the oldest job in wait that no worker has started yet (0 when none); steps of payments in progress are in pixout_queue_overdue_seconds while delayed",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      for (const w of (await snapshot()).oldestWaiting) this.set({ queue: w.queue }, w.seconds);
    },
  });
  new Gauge({
    name: "pixout_queue_overdue_seconds",
    help: "How late the most overdue delayed step is (0 when none): growing means no worker takes due steps",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      for (const w of (await snapshot()).overdue) this.set({ queue: w.queue }, w.seconds);
    },
  });
  new Gauge({
    name: "pixout_workers_alive",
    help: "Payout worker processes with a recent heartbeat",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.set({ queue: o.queueName }, (await snapshot()).workers);
    },
  });
  new Gauge({
    name: "pixout_fleet_certificate_days_left",
    help: "Least whole days of validity among the live workers' Inter certificates (absent without live workers)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.reset();
      const days = (await snapshot()).certificateDays;
      if (days !== undefined) this.set({ queue: o.queueName }, days);
    },
  });
  new Gauge({
    name: "pixout_reconciliation_findings",
    help: "Rows needing a human in the latest reconciliation with Inter's statement, by kind (docs/operating/reconciliation.md)",
    labelNames: ["queue", "kind"],
    registers: [registry],
    async collect() {
      this.reset();
      const findings = (await snapshot()).findings;
      if (findings === undefined) return;
      for (const kind of FINDING_KINDS) this.set({ queue: o.queueName, kind }, findings[kind] ?? 0);
    },
  });
  new Gauge({
    name: "pixout_reconciliation_last_clean_run_age_seconds",
    help: "Seconds since the latest complete reconciliation run without findings (absent when none was in 90 days)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.reset();
      const age = (await snapshot()).lastCleanAgeSeconds;
      if (age !== undefined) this.set({ queue: o.queueName }, age);
    },
  });
  new Gauge({
    name: "pixout_account_held",
    help: "1 for each paying account the fleet holds for insufficient balance: nothing from it is sent until its balance covers the oldest held payment or an operator resumes it (docs/operating/balance.md)",
    labelNames: ["queue", "account"],
    registers: [registry],
    async collect() {
      // A resumed account's series goes: only held accounts have one.
      this.reset();
      for (const h of (await snapshot()).held) this.set({ queue: o.queueName, account: h.account }, 1);
    },
  });
  new Gauge({
    name: "pixout_held_payments",
    help: "Payments waiting for their paying account's balance (held accounts)",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.set(
        { queue: o.queueName },
        (await snapshot()).held.reduce((sum, h) => sum + h.payments, 0),
      );
    },
  });
  new Gauge({
    name: "pixout_held_amount_centavos",
    help: "Total amount of the payments waiting for their paying account's balance, in centavos",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.set(
        { queue: o.queueName },
        (await snapshot()).held.reduce((sum, h) => sum + h.cents, 0),
      );
    },
  });
  new Gauge({
    name: "pixout_approvals_waiting",
    help: "Payments awaiting approval in Inter's internet banking (AGUARDANDO_APROVACAO): past their deadline pixout parks them",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.set({ queue: o.queueName }, (await snapshot()).approvals.count);
    },
  });
  new Gauge({
    name: "pixout_approvals_waiting_amount_centavos",
    help: "Total amount of the payments awaiting approval in Inter's internet banking, in centavos",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      this.set({ queue: o.queueName }, (await snapshot()).approvals.cents);
    },
  });
  return registry;
}
