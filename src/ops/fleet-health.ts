// Readiness of the fleet as the dashboard sees it (issue #5 §1 /readyz): Redis answers, at least one payout
// worker's heartbeat is recent, and the workers' Inter certificate is valid for at least 7 more days. A
// worker's own /readyz (src/ops/metrics/) checks itself; this one answers "can payments flow at all?".
import type { Redis } from "ioredis";
import { daysLeft, HEARTBEAT_TTL_MS, liveWorkers } from "./worker-heartbeat.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: Check[];
}

/** Days of certificate validity below which a fleet is not ready: time to renew it at Inter. */
export const MIN_CERTIFICATE_DAYS = 7;

/** PING with a deadline: a Redis that does not answer must not hang a probe (probes time out themselves). */
export async function pingRedis(redis: Redis, timeoutMs = 1_000): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer within ${String(timeoutMs)} ms`)); }, timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
    return { name: "redis", ok: true, detail: "answers PING" };
  } catch (err) {
    return { name: "redis", ok: false, detail: `Redis does not answer: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    clearTimeout(timer);
  }
}

export function certificateCheck(validTo: Date | string | undefined, now: number = Date.now()): Check {
  if (validTo === undefined) return { name: "certificate", ok: false, detail: "no live worker reports its certificate" };
  const days = daysLeft(validTo, now);
  return days >= MIN_CERTIFICATE_DAYS
    ? { name: "certificate", ok: true, detail: `${String(days)} days left` }
    : {
        name: "certificate",
        ok: false,
        detail: days < 0 ? "expired: Inter refuses every call; install the renewed certificate" : `${String(days)} days left (under ${String(MIN_CERTIFICATE_DAYS)}): renew it in Inter's Internet Banking and install it`,
      };
}

export async function fleetReadiness(o: { redis: Redis; redisPrefix: string; queueName: string; now?: number }): Promise<Readiness> {
  const redis = await pingRedis(o.redis);
  if (!redis.ok) {
    const unknown = "unknown: Redis does not answer";
    const checks = [redis, { name: "workers", ok: false, detail: unknown }, { name: "certificate", ok: false, detail: unknown }];
    return { ready: false, checks };
  }
  const workers = await liveWorkers(o.redis, o.redisPrefix, o.queueName);
  const workersCheck: Check =
    workers.length > 0
      ? { name: "workers", ok: true, detail: `${String(workers.length)} worker process${workers.length === 1 ? "" : "es"} with a recent heartbeat` }
      : { name: "workers", ok: false, detail: `no payout worker's heartbeat in the last ${String(HEARTBEAT_TTL_MS / 1000)} s: start \`pixout worker\`` };
  // The earliest expiry among live workers: the one that will fail first.
  const earliest = workers.map((w) => w.certificateValidTo).sort()[0];
  const checks = [redis, workersCheck, certificateCheck(earliest, o.now)];
  return { ready: checks.every((c) => c.ok), checks };
}
