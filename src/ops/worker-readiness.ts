// Whether this worker process should count as ready (its /readyz, issue #5 §1): its Redis answers, its
// Inter certificate has a week left, and it is taking jobs. A failing check names itself and says what to
// do, so that the orchestrator's event and the operator's curl tell the same story.
import type { Redis } from "ioredis";
import { daysLeft } from "./worker-heartbeat.js";

export interface ReadinessCheck {
  name: "redis" | "certificate" | "worker";
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** A certificate with fewer days left is a deploy waiting to fail: renewal takes a human in Inter's site. */
export const CERTIFICATE_MIN_DAYS = 7;
export const REDIS_PING_TIMEOUT_MS = 1_000;

export interface WorkerReadinessOptions {
  /** The worker's own connection (its status says whether it is connected). */
  redis: Pick<Redis, "status"> & { ping(): Promise<unknown> };
  certificateValidTo: Date;
  /** Whether the worker takes jobs, and if not why (closing, BullMQ's worker not running). */
  worker: () => { running: boolean; detail: string };
  now?: () => number;
  pingTimeoutMs?: number;
}

async function redisCheck(redis: WorkerReadinessOptions["redis"], timeoutMs: number): Promise<ReadinessCheck> {
  // A worker connection queues commands while disconnected (BullMQ wants that): don't queue a PING then.
  if (redis.status !== "ready") return { name: "redis", ok: false, detail: `not connected (${redis.status}); the worker waits for Redis to come back` };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      resolve("timeout");
    }, timeoutMs);
  });
  try {
    const answer = await Promise.race([redis.ping(), timeout]);
    if (answer === "timeout") return { name: "redis", ok: false, detail: `PING not answered within ${String(timeoutMs)} ms` };
    return { name: "redis", ok: true, detail: "PING answered" };
  } catch (err) {
    return { name: "redis", ok: false, detail: `PING failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

function certificateCheck(validTo: Date, now: number): ReadinessCheck {
  const days = daysLeft(validTo, now);
  const expires = `expires ${validTo.toISOString()}`;
  if (days >= CERTIFICATE_MIN_DAYS) return { name: "certificate", ok: true, detail: `${String(days)} days left (${expires})` };
  return {
    name: "certificate",
    ok: false,
    detail: `${String(days)} days left (${expires}), fewer than ${String(CERTIFICATE_MIN_DAYS)}: download a new certificate in Inter's Internet Banking and restart the worker with it`,
  };
}

export function createWorkerReadiness(options: WorkerReadinessOptions): () => Promise<Readiness> {
  const now = options.now ?? Date.now;
  return async () => {
    const worker = options.worker();
    const checks: ReadinessCheck[] = [
      await redisCheck(options.redis, options.pingTimeoutMs ?? REDIS_PING_TIMEOUT_MS),
      certificateCheck(options.certificateValidTo, now()),
      { name: "worker", ok: worker.running, detail: worker.detail },
    ];
    return { ready: checks.every((c) => c.ok), checks };
  };
}
