// The pieces both readiness answers are made of: a worker's own /readyz
// (worker-readiness.ts) and the dashboard's fleet /readyz (fleet-health.ts). One Redis check and one
// certificate rule, so that the two endpoints agree on what "Redis answers" and "enough days left" mean.
import { daysLeft } from "./worker-heartbeat.js";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ready: boolean;
  checks: Check[];
}

/** A certificate with fewer days left is a deploy waiting to fail: renewal takes a human in Inter's site. */
const MIN_CERTIFICATE_DAYS = 7;
export const REDIS_PING_TIMEOUT_MS = 1_000;

/** What a readiness check needs of a Redis connection: its status, and PING. */
export type PingableRedis = { readonly status: string; ping(): Promise<unknown> };

export const TIMED_OUT: unique symbol = Symbol("timed out");

/** `work`'s result, or TIMED_OUT once `ms` have passed (the work itself is not cancelled). */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(
      () => {
        resolve(TIMED_OUT);
      },
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether Redis answers PING within `timeoutMs`. A connection that is not ready fails at once without
 * sending anything: ioredis would queue the PING until it reconnects (BullMQ's connections must queue),
 * and a probe must not hang.
 */
export async function pingRedis(redis: PingableRedis, timeoutMs: number = REDIS_PING_TIMEOUT_MS): Promise<Check> {
  if (redis.status !== "ready")
    return {
      name: "redis",
      ok: false,
      detail: `Redis does not answer: not connected (${redis.status}); waiting for it to come back`,
    };
  try {
    if ((await withDeadline(redis.ping(), timeoutMs)) === TIMED_OUT) {
      return {
        name: "redis",
        ok: false,
        detail: `Redis does not answer: no answer to PING within ${String(timeoutMs)} ms`,
      };
    }
    return { name: "redis", ok: true, detail: "answers PING" };
  } catch (err) {
    return {
      name: "redis",
      ok: false,
      detail: `Redis does not answer: PING failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** At least MIN_CERTIFICATE_DAYS whole days of validity left; `undefined`: no certificate is known. */
export function certificateCheck(validTo: Date | string | undefined, now: number = Date.now()): Check {
  if (validTo === undefined)
    return { name: "certificate", ok: false, detail: "no live worker reports its certificate" };
  const days = daysLeft(validTo, now);
  const expires = `expires ${new Date(validTo).toISOString()}`;
  if (days >= MIN_CERTIFICATE_DAYS)
    return { name: "certificate", ok: true, detail: `${String(days)} days left (${expires})` };
  const renew = "download a new certificate in Inter's Internet Banking and restart the workers with it";
  return {
    name: "certificate",
    ok: false,
    detail:
      days < 0
        ? `expired (${expires}): Inter refuses every call; ${renew}`
        : `${String(days)} days left (${expires}), fewer than ${String(MIN_CERTIFICATE_DAYS)}: ${renew}`,
  };
}
