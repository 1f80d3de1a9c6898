// Redis connections, configured the way BullMQ recommends for each role ("Going to production"):
// producers fail fast when Redis is down (no silent offline queue), workers wait for it forever.
import { once } from "node:events";
import { Redis } from "ioredis";

/** The URL without its password, for messages and logs. */
export function safeRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

/** For producers and CLI commands: commands fail at once while disconnected. */
export function producerConnection(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    connectionName: "pixout-producer",
  });
  redis.on("error", () => undefined); // reported through the failing calls instead
  return redis;
}

/**
 * For the webhook receiver: a command fails within 2 s while Redis is away, so that a callback is answered
 * 503 (Inter delivers it again later) instead of being held open.
 */
export function receiverConnection(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2_000, connectionName: "pixout-webhook" });
  return redis;
}

/**
 * For a worker's fenced writes (src/queue/fenced-store.ts) and its budgets: a command that cannot be
 * confirmed within 5 s fails, nothing is queued while disconnected, and nothing unanswered is sent again
 * after a reconnect — a step must stop rather than go on after a frozen link, and a write it gave up on must
 * not land later (each is also fenced by the lock token, so a late one could only land for its own run).
 */
export function fenceConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    connectionName: "pixout-worker-fence",
  });
}

/** For workers: BullMQ needs maxRetriesPerRequest null; commands wait while Redis comes back. */
export function workerConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, connectionName: "pixout-worker" });
  return redis;
}

/** Resolves once `redis` is ready; rejects with a clear error if it is not within `timeoutMs`. */
export async function ensureReady(redis: Redis, url: string, timeoutMs = 5_000): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "wait") redis.connect().catch(() => undefined);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await Promise.race([
      once(redis, "ready", { signal }),
      once(redis, "end", { signal }).then(() => {
        throw new Error("connection closed");
      }),
    ]);
  } catch {
    throw new RedisUnavailableError(
      `Redis does not answer at ${safeRedisUrl(url)}; start it, or set REDIS_URL`,
    );
  }
}
