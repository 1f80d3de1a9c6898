// The long-lived idempotency record of a finished payment: paymentId → outcome, generation,
// codigoSolicitacao, a digest of its data. Jobs are removed after PIXOUT_KEEP_COMPLETED_DAYS /
// PIXOUT_KEEP_FAILED_DAYS; the record stays PIXOUT_IDEMPOTENCY_DAYS, so that a payment enqueued again after
// its job is gone is still refused as a duplicate, with its outcome. One Redis hash per payment, with a TTL,
// under the queue's hash tag (Redis Cluster: the queue's slot). No personal data.
import type { RedisClient } from "../redis/connections.js";
import type { Outcome } from "../payments/lifecycle.js";
import { bullPrefix } from "./names.js";

export interface PaymentRecord {
  outcome: Outcome;
  generation: number;
  codigoSolicitacao?: string;
  /** ISO 8601. */
  finishedAt: string;
  /** src/payments/recipient-crypto.ts fingerprintDigest of the payment, to tell whether a re-enqueue is the same. */
  digest?: string;
}

export const DEFAULT_IDEMPOTENCY_DAYS = 400;
export const DEFAULT_KEEP_COMPLETED_DAYS = 30;
export const DEFAULT_KEEP_FAILED_DAYS = 90;

export interface PaymentRecords {
  write(paymentId: string, record: PaymentRecord): Promise<void>;
  /** The records of these payments, in order (undefined: none). */
  read(paymentIds: readonly string[]): Promise<(PaymentRecord | undefined)[]>;
}

export function paymentRecordKey(redisPrefix: string, queueName: string, paymentId: string): string {
  return `${bullPrefix(redisPrefix)}:payment-record:${queueName}:${paymentId}`;
}

export function createPaymentRecords(
  redis: RedisClient,
  redisPrefix: string,
  queueName: string,
  ttlDays: number = DEFAULT_IDEMPOTENCY_DAYS,
): PaymentRecords {
  const key = (paymentId: string): string => paymentRecordKey(redisPrefix, queueName, paymentId);
  return {
    async write(paymentId, record) {
      const fields: Record<string, string> = {
        outcome: record.outcome,
        generation: String(record.generation),
        finishedAt: record.finishedAt,
      };
      if (record.codigoSolicitacao !== undefined) fields["codigoSolicitacao"] = record.codigoSolicitacao;
      if (record.digest !== undefined) fields["digest"] = record.digest;
      const k = key(paymentId);
      // Replaced as a whole: a retried payment's new outcome must not keep the old codigoSolicitacao.
      await redis
        .multi()
        .del(k)
        .hset(k, fields)
        .expire(k, Math.round(ttlDays * 86_400))
        .exec();
    },
    async read(paymentIds) {
      if (paymentIds.length === 0) return [];
      // One record (a worker's run) is one HGETALL; more go in a pipeline (whose making alone costs more CPU).
      const [only] = paymentIds;
      const replies: [Error | null, unknown][] =
        paymentIds.length === 1 && only !== undefined
          ? [[null, await redis.hgetall(key(only))]]
          : ((await paymentIds.reduce((p, id) => p.hgetall(key(id)), redis.pipeline()).exec()) ?? []);
      return replies.map(([err, value]) => {
        if (err) throw err;
        const h = value as Record<string, string>;
        if (h["outcome"] === undefined) return undefined;
        return {
          outcome: h["outcome"] as Outcome,
          generation: Number(h["generation"] ?? 0),
          finishedAt: h["finishedAt"] ?? "",
          ...(h["codigoSolicitacao"] === undefined ? {} : { codigoSolicitacao: h["codigoSolicitacao"] }),
          ...(h["digest"] === undefined ? {} : { digest: h["digest"] }),
        };
      });
    },
  };
}
