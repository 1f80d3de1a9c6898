// Where the dashboard's search finds a payment by the bank's identifiers: codigoSolicitacao
// (known once a send is answered) and endToEndId (known when the payment is final) → paymentId. One
// string key per identifier, with a TTL longer than the job's retention (a lookup of a removed job says
// "no job"), under the queue's hash tag (Redis Cluster: the queue's slot). No personal data: the bank's
// identifiers and our paymentId only. Written by the worker; a failed write only makes search miss.
import type { RedisClient } from "../redis/connections.js";
import { bullPrefix } from "./names.js";

export type BankIdentifier = "codigoSolicitacao" | "endToEndId";

export interface PaymentIndex {
  /** Records the identifiers known so far (undefined ones are skipped). */
  remember(paymentId: string, ids: Partial<Record<BankIdentifier, string>>): Promise<void>;
  /** The paymentId behind a bank identifier, if one was recorded and has not expired. */
  find(kind: BankIdentifier, value: string): Promise<string | undefined>;
}

export function paymentIndexKey(redisPrefix: string, queueName: string, kind: BankIdentifier, value: string): string {
  return `${bullPrefix(redisPrefix)}:find:${queueName}:${kind}:${value}`;
}

/** The paymentId behind a bank identifier, if one was recorded and has not expired: for readers (the dashboard). */
export async function findPayment(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  kind: BankIdentifier,
  value: string,
): Promise<string | undefined> {
  if (value === "") return undefined;
  return (await redis.get(paymentIndexKey(redisPrefix, queueName, kind, value))) ?? undefined;
}

/** The index as the worker writes it; `ttlDays` only matters to remember() (readers can use findPayment). */
export function createPaymentIndex(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  ttlDays: number,
): PaymentIndex {
  const ttlSeconds = Math.max(1, Math.round(ttlDays * 86_400));
  return {
    async remember(paymentId, ids) {
      const entries = Object.entries(ids).filter(
        (e): e is [BankIdentifier, string] => typeof e[1] === "string" && e[1] !== "",
      );
      if (entries.length === 0) return;
      // Independent SETs, not MULTI: each costs one command and no more (nor an ioredis pipeline, whose
      // making costs the worker more CPU than the writes: `npm run bench -- --cpu-prof`).
      await Promise.all(
        entries.map(([kind, value]) =>
          redis.set(paymentIndexKey(redisPrefix, queueName, kind, value), paymentId, "EX", ttlSeconds),
        ),
      );
    },
    find: (kind, value) => findPayment(redis, redisPrefix, queueName, kind, value),
  };
}
