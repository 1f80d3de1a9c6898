// Fleet-wide metrics for the dashboard's /metrics (issue #5 §1), read from Redis at each scrape: what no
// single worker process knows. Per-process metrics (bank call latency, token requests, rate-limit waits,
// payments by outcome) are on each worker's own port (src/ops/metrics/); see README "Metrics".
//   pixout_queue_jobs{queue,state}                  jobs per BullMQ state
//   pixout_queue_oldest_waiting_seconds{queue}      age of the oldest job waiting for a worker (0: none)
//   pixout_queue_overdue_seconds{queue}             how late the most overdue delayed step is (0: none):
//                                                   payments in progress wait in "delayed" between steps;
//                                                   a growing value means no worker is taking them
//   pixout_workers_alive{queue}                     payout worker processes with a recent heartbeat
//   pixout_fleet_certificate_days_left{queue}       least days of validity among live workers' certificates
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Gauge, Registry } from "prom-client";
import { daysLeft, liveWorkers } from "./worker-heartbeat.js";

const STATES = ["wait", "prioritized", "active", "delayed", "completed", "failed", "waiting-children"] as const;

interface Snapshot {
  counts: { queue: string; state: string; count: number }[];
  oldestWaiting: { queue: string; seconds: number }[];
  overdue: { queue: string; seconds: number }[];
  workers: number;
  certificateDays: number | undefined;
}

async function redisNow(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

/** The oldest job in `wait` is at the list's tail (BullMQ adds at the head, workers take from the tail). */
async function oldestWaitingSeconds(queue: Queue, redis: Redis, now: number): Promise<number> {
  const jobId = await redis.lindex(queue.toKey("wait"), -1);
  if (jobId === null) return 0;
  const timestamp = await redis.hget(queue.toKey(jobId), "timestamp");
  return timestamp === null ? 0 : Math.max(0, (now - Number(timestamp)) / 1000);
}

/** Delayed scores are the due time × 0x1000 plus a counter (bullmq's getDelayedScore.lua). */
async function overdueSeconds(queue: Queue, redis: Redis, now: number): Promise<number> {
  const first = await redis.zrange(queue.toKey("delayed"), 0, 0, "WITHSCORES");
  const score = first[1];
  if (score === undefined) return 0;
  const due = Math.floor(Number(score) / 0x1000);
  return Math.max(0, (now - due) / 1000);
}

export function createFleetMetrics(o: { redis: Redis; redisPrefix: string; queueName: string; queues: Queue[] }): Registry {
  const registry = new Registry();
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
      return { counts, oldestWaiting, overdue, workers: workers.length, certificateDays: earliest === undefined ? undefined : daysLeft(earliest, now) };
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
    help: "Age of the oldest job waiting for a worker (0 when none waits)",
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
  return registry;
}
