// Inter's callbacks as the receiver hands them to the payment jobs, in Redis:
//   {prefix}:QUEUE:inter-callbacks:CODIGO   hash: callback status → the item as Inter sent it (JSON)
//   {prefix}:QUEUE:by-codigo:CODIGO         the payment job's id, written by the worker after the send
//   {prefix}:QUEUE:webhook-receivers        sorted set: each running receiver, scored by when its heartbeat expires
//   {prefix}:QUEUE:webhook-flowing          set for FLOWING_MS after a callback arrived or a receiver started
// One field per distinct status is how callbacks are deduplicated: Inter's retries and re-sends of the
// same news change nothing, while two different statuses for one payment stay visible as a contradiction.
// The keys share the queue's hash tag, so on Redis Cluster the receiver's MULTI is single-slot.
import type { RedisClient } from "../redis/connections.js";
import type { CallbackNews } from "../payments/callback-news.js";
import { bullPrefix } from "../queue/names.js";

/**
 * How long a callback and a codigo → job link are kept: longer than a payment can be followed (the
 * approval and poll deadlines default to a day) and than an operator takes to retry it.
 */
export const CALLBACK_TTL_SECONDS = 35 * 24 * 3600;
const RECEIVER_TTL_MS = 30_000;
/**
 * Callbacks count as flowing while one arrived within this long (or a receiver started within it, to
 * give it its first ones). A receiver that runs but hears nothing — the webhook not registered, or Inter
 * unable to reach it — stops stretching the polls after this.
 */
export const FLOWING_MS = 15 * 60_000;

export interface ReceiverHealth {
  /** A receiver process runs: payments are linked to their codigoSolicitacao and read their callbacks. */
  running: boolean;
  /** …and callbacks arrive: polls become the safety net, spaced to PIXOUT_WEBHOOK_POLL_MS. */
  flowing: boolean;
}

export interface RecordedCallback {
  /** false when this status of this payment was already recorded (a redelivery). */
  isNew: boolean;
  /** The payment job's id, when the worker has linked the codigoSolicitacao already. */
  jobId: string | undefined;
}

export interface CallbackStore {
  record(
    item: CallbackNews & Record<string, unknown>,
    account: string | undefined,
    receivedAt: number,
  ): Promise<RecordedCallback>;
  news(codigo: string): Promise<CallbackNews[]>;
  /** How many distinct callbacks (statuses) are stored for the payment. */
  newsCount(codigo: string): Promise<number>;
  link(codigo: string, jobId: string): Promise<void>;
  /** Marks receiver `instance` as running for RECEIVER_TTL_MS; it calls this every few seconds. */
  receiverUp(instance: string, starting: boolean): Promise<void>;
  receiverDown(instance: string): Promise<void>;
  health(): Promise<ReceiverHealth>;
}

export function createCallbackStore(redis: RedisClient, redisPrefix: string, queueName: string): CallbackStore {
  const base = `${bullPrefix(redisPrefix)}:${queueName}`;
  const newsKey = (codigo: string): string => `${base}:inter-callbacks:${codigo}`;
  const linkKey = (codigo: string): string => `${base}:by-codigo:${codigo}`;
  const receiversKey = `${base}:webhook-receivers`;
  const flowingKey = `${base}:webhook-flowing`;
  return {
    async record(item, account, receivedAt) {
      const status =
        typeof item.status === "string" && item.status !== "" ? item.status.trim().toUpperCase() : "(none)";
      const key = newsKey(item.codigoSolicitacao);
      const stored = JSON.stringify({ ...item, receivedAt, ...(account === undefined ? {} : { account }) });
      const answers = await redis
        .multi()
        .hsetnx(key, status, stored)
        .expire(key, CALLBACK_TTL_SECONDS)
        .get(linkKey(item.codigoSolicitacao))
        .set(flowingKey, String(receivedAt), "PX", FLOWING_MS)
        .exec();
      if (answers === null) throw new Error("Redis discarded the transaction");
      for (const [err] of answers) if (err) throw err;
      const jobId = answers[2]?.[1];
      return { isNew: answers[0]?.[1] === 1, jobId: typeof jobId === "string" ? jobId : undefined };
    },
    async news(codigo) {
      const all = await redis.hvals(newsKey(codigo));
      return all.flatMap((text) => {
        try {
          return [JSON.parse(text) as CallbackNews];
        } catch {
          return [];
        }
      });
    },
    async newsCount(codigo) {
      return redis.hlen(newsKey(codigo));
    },
    async link(codigo, jobId) {
      await redis.set(linkKey(codigo), jobId, "EX", CALLBACK_TTL_SECONDS);
    },
    async receiverUp(instance, starting) {
      const t = await redis.time();
      const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
      const m = redis
        .multi()
        .zadd(receiversKey, now + RECEIVER_TTL_MS, instance)
        .zremrangebyscore(receiversKey, "-inf", now)
        .pexpire(receiversKey, RECEIVER_TTL_MS);
      if (starting) m.set(flowingKey, String(now), "PX", FLOWING_MS);
      await m.exec();
    },
    async receiverDown(instance) {
      await redis.zrem(receiversKey, instance);
    },
    async health() {
      const t = await redis.time();
      const now = Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
      const answers = (await redis.multi().zcount(receiversKey, now, "+inf").exists(flowingKey).exec()) ?? [];
      const running = Number(answers[0]?.[1] ?? 0) > 0;
      return { running, flowing: running && Number(answers[1]?.[1] ?? 0) === 1 };
    },
  };
}
