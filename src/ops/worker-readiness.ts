// Whether this worker process should count as ready (its /readyz): its Redis answers, its
// Inter certificate has a week left, and it is taking jobs. A failing check names itself and says what to
// do, so that the orchestrator's event and the operator's curl tell the same story. The Redis and
// certificate checks are the fleet's too (readiness-checks.ts).
import {
  certificateCheck,
  pingRedis,
  REDIS_PING_TIMEOUT_MS,
  type Check,
  type PingableRedis,
  type Readiness,
} from "./readiness-checks.js";

export interface WorkerReadinessOptions {
  /** The worker's own connection (its status says whether it is connected). */
  redis: PingableRedis;
  certificateValidTo: Date;
  /** Whether the worker takes jobs, and if not why (closing, paused, BullMQ's worker not running). */
  worker: () => { running: boolean; detail: string };
  now?: () => number;
  pingTimeoutMs?: number;
}

export function createWorkerReadiness(options: WorkerReadinessOptions): () => Promise<Readiness> {
  const now = options.now ?? Date.now;
  return async () => {
    const worker = options.worker();
    const checks: Check[] = [
      await pingRedis(options.redis, options.pingTimeoutMs ?? REDIS_PING_TIMEOUT_MS),
      certificateCheck(options.certificateValidTo, now()),
      { name: "worker", ok: worker.running, detail: worker.detail },
    ];
    return { ready: checks.every((c) => c.ok), checks };
  };
}
