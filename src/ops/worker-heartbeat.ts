// Worker heartbeats: each payout worker process says every HEARTBEAT_MS that it runs, with
// what readiness needs to know of it (its certificate's expiry). The dashboard's /readyz and /metrics
// read them; nothing here decides anything about payments. Times are Redis's clock (TIME), so machines
// with skewed clocks agree on what "recent" means.
//   {prefix}:QUEUE:workers            sorted set: instance → when its heartbeat expires (ms)
//   {prefix}:QUEUE:worker:INSTANCE    JSON of the WorkerBeat, expiring with it
// Both under the queue's hash tag (Redis Cluster: one slot). Why not BullMQ's queue.getWorkers(): it
// uses CLIENT LIST, which managed Redis services often disable, and carries no certificate facts.
import { hostname } from "node:os";
import type { RedisClient } from "../redis/connections.js";
import { bullPrefix } from "../queue/names.js";

export const HEARTBEAT_MS = 10_000;
/** A heartbeat counts as recent for this long: three beats may be missed (a Redis blip, a busy loop). */
export const HEARTBEAT_TTL_MS = 3 * HEARTBEAT_MS + 5_000;

export interface WorkerBeat {
  instance: string;
  host: string;
  pid: number;
  /** ISO 8601. */
  startedAt: string;
  concurrency: number;
  /** The Inter certificate's validTo (ISO 8601): readiness wants ≥ 7 days left. */
  certificateValidTo: string;
  /** When this beat was written (Redis time, ms). */
  at: number;
  /** The send and status budgets this worker keeps to (calls a minute), for the dashboard's "use against limits". */
  limits?: { sendPerMinute: number; statusPerMinute: number };
}

export interface WorkerHeartbeat {
  readonly instance: string;
  /** Writes one beat now (none while `running` says false); the interval writes the next ones. */
  beat(): Promise<void>;
  /** Stops beating and removes this instance (a clean stop is seen at once). */
  stop(): Promise<void>;
}

function keys(redisPrefix: string, queueName: string): { set: string; beat: (instance: string) => string } {
  const base = `${bullPrefix(redisPrefix)}:${queueName}`;
  return { set: `${base}:workers`, beat: (instance) => `${base}:worker:${instance}` };
}

/** Redis's clock (TIME) in ms: the one clock every machine of the fleet reads alike. */
export async function redisNow(redis: Pick<RedisClient, "time">): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

export interface HeartbeatOptions {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  concurrency: number;
  certificateValidTo: Date;
  limits?: { sendPerMinute: number; statusPerMinute: number };
  /**
   * Whether this process takes jobs now (not closing, not paused, BullMQ's worker running). While it says
   * false no beat is written, so the entry expires: a worker that takes no jobs must not count as alive.
   */
  running?: () => boolean;
  /** Told of a failed beat (Redis away); the next beat tries again. */
  onError?: (err: Error) => void;
  intervalMs?: number;
}

export function startWorkerHeartbeat(options: HeartbeatOptions): WorkerHeartbeat {
  const { redis } = options;
  const k = keys(options.redisPrefix, options.queueName);
  const host = hostname();
  const instance = `${host}:${String(process.pid)}:${Math.random().toString(36).slice(2, 8)}`;
  const startedAt = new Date().toISOString();
  let stopped = false;
  const beat = async (): Promise<void> => {
    if (options.running?.() === false) return;
    const at = await redisNow(redis);
    // stop() may have removed this instance while TIME was on its way: a beat now would list it again.
    if (stopped) return;
    const value: WorkerBeat = {
      instance,
      host,
      pid: process.pid,
      startedAt,
      concurrency: options.concurrency,
      certificateValidTo: options.certificateValidTo.toISOString(),
      at,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    };
    await redis
      .multi()
      .set(k.beat(instance), JSON.stringify(value), "PX", HEARTBEAT_TTL_MS)
      .zadd(k.set, at + HEARTBEAT_TTL_MS, instance)
      .zremrangebyscore(k.set, "-inf", at)
      .pexpire(k.set, HEARTBEAT_TTL_MS)
      .exec();
  };
  const tick = (): void => {
    if (stopped) return;
    beat().catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
  };
  const timer = setInterval(tick, options.intervalMs ?? HEARTBEAT_MS);
  timer.unref();
  tick();
  return {
    instance,
    beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await redis.multi().zrem(k.set, instance).del(k.beat(instance)).exec();
    },
  };
}

/** The workers whose heartbeat is recent, oldest start first. */
export async function liveWorkers(redis: RedisClient, redisPrefix: string, queueName: string): Promise<WorkerBeat[]> {
  const k = keys(redisPrefix, queueName);
  const now = await redisNow(redis);
  const instances = await redis.zrangebyscore(k.set, now, "+inf");
  if (instances.length === 0) return [];
  const values = await redis.mget(instances.map((i) => k.beat(i)));
  const beats: WorkerBeat[] = [];
  for (const value of values) {
    if (value === null) continue;
    try {
      beats.push(JSON.parse(value) as WorkerBeat);
    } catch {
      // A beat we cannot read is not a live worker we can vouch for.
    }
  }
  return beats.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Whole days until a certificate's validTo (negative once expired), as CertificateSummary.daysLeft. */
export function daysLeft(validTo: Date | string, now: number = Date.now()): number {
  return Math.floor((new Date(validTo).getTime() - now) / 86_400_000);
}
