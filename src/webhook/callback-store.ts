// Inter's callbacks as the receiver hands them to the payment jobs, in Redis (issue #6 §1):
//   {prefix}:QUEUE:inter-callbacks:CODIGO   hash: callback status → the item as Inter sent it (JSON)
//   {prefix}:QUEUE:by-codigo:CODIGO         the payment job's id, written by the worker after the send
//   {prefix}:QUEUE:webhook-receiver         set while a receiver runs (it refreshes it), with its path
// One field per distinct status is how callbacks are deduplicated: Inter's retries and re-sends of the
// same news change nothing, while two different statuses for one payment stay visible as a contradiction.
// The keys share the queue's hash tag, so on Redis Cluster the receiver's MULTI is single-slot.
import type { Redis } from "ioredis";
import type { CallbackNews } from "../payments/callback-news.js";
import { bullPrefix } from "../queue/names.js";

/**
 * How long a callback and a codigo → job link are kept: longer than a payment can be followed (the
 * approval and poll deadlines default to a day) and than an operator takes to retry it.
 */
export const CALLBACK_TTL_SECONDS = 35 * 24 * 3600;
const RECEIVER_TTL_MS = 30_000;

export interface RecordedCallback {
  /** false when this status of this payment was already recorded (a redelivery). */
  isNew: boolean;
  /** The payment job's id, when the worker has linked the codigoSolicitacao already. */
  jobId: string | undefined;
}

export interface CallbackStore {
  record(item: CallbackNews & Record<string, unknown>, account: string | undefined, receivedAt: number): Promise<RecordedCallback>;
  news(codigo: string): Promise<CallbackNews[]>;
  /** How many distinct callbacks (statuses) are stored for the payment. */
  newsCount(codigo: string): Promise<number>;
  link(codigo: string, jobId: string): Promise<void>;
  jobFor(codigo: string): Promise<string | undefined>;
  /** Marks a receiver as running for RECEIVER_TTL_MS; it calls this every few seconds. */
  receiverUp(info: string): Promise<void>;
  receiverDown(): Promise<void>;
  receiverAlive(): Promise<boolean>;
}

export function createCallbackStore(redis: Redis, redisPrefix: string, queueName: string): CallbackStore {
  const base = `${bullPrefix(redisPrefix)}:${queueName}`;
  const newsKey = (codigo: string): string => `${base}:inter-callbacks:${codigo}`;
  const linkKey = (codigo: string): string => `${base}:by-codigo:${codigo}`;
  const receiverKey = `${base}:webhook-receiver`;
  return {
    async record(item, account, receivedAt) {
      const status = typeof item.status === "string" && item.status !== "" ? item.status.trim().toUpperCase() : "(none)";
      const key = newsKey(item.codigoSolicitacao);
      const stored = JSON.stringify({ ...item, receivedAt, ...(account === undefined ? {} : { account }) });
      const answers = await redis.multi().hsetnx(key, status, stored).expire(key, CALLBACK_TTL_SECONDS).get(linkKey(item.codigoSolicitacao)).exec();
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
    async jobFor(codigo) {
      return (await redis.get(linkKey(codigo))) ?? undefined;
    },
    async receiverUp(info) {
      await redis.set(receiverKey, info, "PX", RECEIVER_TTL_MS);
    },
    async receiverDown() {
      await redis.del(receiverKey);
    },
    async receiverAlive() {
      return (await redis.exists(receiverKey)) === 1;
    },
  };
}
