// Readiness of the fleet as the dashboard sees it (/readyz): Redis answers, at least one payout
// worker's heartbeat is recent, and the workers' Inter certificate is valid for at least 7 more days. A
// worker's own /readyz (src/ops/metrics/) checks itself; this one answers "can payments flow at all?".
// The whole answer is bounded by one deadline: a probe that hangs is worse than one that says "not ready".
import type { RedisClient } from "../redis/connections.js";
import {
  certificateCheck,
  pingRedis,
  REDIS_PING_TIMEOUT_MS,
  TIMED_OUT,
  withDeadline,
  type Check,
  type Readiness,
} from "./readiness-checks.js";
import { HEARTBEAT_TTL_MS, liveWorkers, type WorkerBeat } from "./worker-heartbeat.js";

/** The most a fleet readiness answer may take (probes commonly time out after 1 to 5 s). */
const FLEET_READINESS_DEADLINE_MS = 2_000;

function unknownAfter(redis: Check, why: string): Readiness {
  const unknown = `unknown: ${why}`;
  return {
    ready: false,
    checks: [
      redis,
      { name: "workers", ok: false, detail: unknown },
      { name: "certificate", ok: false, detail: unknown },
    ],
  };
}

export async function fleetReadiness(o: {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  now?: number;
  deadlineMs?: number;
}): Promise<Readiness> {
  const deadlineMs = o.deadlineMs ?? FLEET_READINESS_DEADLINE_MS;
  const started = Date.now();
  const redis = await pingRedis(o.redis, Math.min(REDIS_PING_TIMEOUT_MS, deadlineMs));
  if (!redis.ok) return unknownAfter(redis, "Redis does not answer");
  let workers: WorkerBeat[] | typeof TIMED_OUT;
  try {
    workers = await withDeadline(liveWorkers(o.redis, o.redisPrefix, o.queueName), deadlineMs - (Date.now() - started));
  } catch (err) {
    return unknownAfter(
      redis,
      `the workers' heartbeats could not be read (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (workers === TIMED_OUT)
    return unknownAfter(redis, `Redis did not list the workers' heartbeats within ${String(deadlineMs)} ms`);
  const workersCheck: Check =
    workers.length > 0
      ? {
          name: "workers",
          ok: true,
          detail: `${String(workers.length)} worker process${workers.length === 1 ? "" : "es"} with a recent heartbeat`,
        }
      : {
          name: "workers",
          ok: false,
          detail: `no payout worker's heartbeat in the last ${String(HEARTBEAT_TTL_MS / 1000)} s: start \`pixout worker\``,
        };
  // The earliest expiry among live workers: the one that will fail first.
  const earliest = workers.map((w) => w.certificateValidTo).sort()[0];
  const checks = [redis, workersCheck, certificateCheck(earliest, o.now)];
  return { ready: checks.every((c) => c.ok), checks };
}
