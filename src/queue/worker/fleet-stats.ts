// What each worker adds to the fleet's per-minute figures that no Lua step sees: its bank calls by operation
// (and those that failed: no answer, or 4xx/5xx), the latency of its sends and status queries (in fixed
// buckets, src/payments/duration-buckets.ts) and the 429s it met. Counted in memory and
// added to the hour's hash (src/queue/payment-stats.ts) every FLUSH_MS in one pipeline — a few commands
// per worker every few seconds, none per payment. A crash loses at most the last few seconds of these
// figures: they draw charts, they decide nothing about money.
import type { CallObserver } from "../../inter/http.js";
import { bucketOf, LATENCY_BOUNDS_MS } from "../../payments/duration-buckets.js";
import type { RedisClient } from "../../redis/connections.js";
import { HOUR_STATS_TTL_SECONDS, hourOf, hourStatsKey } from "../payment-stats.js";

export const FLUSH_MS = 5_000;

export interface FleetStats {
  readonly observer: CallObserver;
  /** Adds what was counted to Redis now (the interval does it every FLUSH_MS). */
  flush(): Promise<void>;
  /** Stops the interval and adds what is left. */
  stop(): Promise<void>;
}

export function startFleetStats(opts: {
  redis: RedisClient;
  redisPrefix: string;
  queueName: string;
  now?: () => number;
  onError?: (err: Error) => void;
}): FleetStats {
  const now = opts.now ?? Date.now;
  /** hour → field → count */
  let pending = new Map<number, Map<string, number>>();
  const add = (at: number, field: string): void => {
    const hour = hourOf(at);
    const fields = pending.get(hour) ?? new Map<string, number>();
    pending.set(hour, fields);
    fields.set(field, (fields.get(field) ?? 0) + 1);
  };
  const observer: CallObserver = (event) => {
    const at = now();
    const minute = String(Math.floor(at / 60_000) % 60);
    add(at, `call|${event.operation}|${minute}`);
    if (event.status === undefined || event.status >= 400) add(at, `err|${event.operation}|${minute}`);
    if (event.operation === "send-pix" || event.operation === "get-pix")
      add(at, `lat|${minute}|${String(bucketOf(event.ms, LATENCY_BOUNDS_MS))}`);
    if (event.status === 429) add(at, `429|${minute}`);
  };
  async function flush(): Promise<void> {
    if (pending.size === 0) return;
    const taken = pending;
    pending = new Map();
    const p = opts.redis.pipeline();
    for (const [hour, fields] of taken) {
      const key = hourStatsKey(opts.redisPrefix, opts.queueName, hour);
      for (const [field, count] of fields) p.hincrby(key, field, count);
      p.expire(key, HOUR_STATS_TTL_SECONDS);
    }
    const failed = (await p.exec())?.find(([err]) => err !== null)?.[0];
    if (failed) throw failed;
  }
  const flushQuietly = (): Promise<void> =>
    flush().catch((err: unknown) => {
      opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    });
  const timer = setInterval(() => void flushQuietly(), FLUSH_MS);
  timer.unref();
  return {
    observer,
    flush,
    async stop() {
      clearInterval(timer);
      await flushQuietly();
    },
  };
}
