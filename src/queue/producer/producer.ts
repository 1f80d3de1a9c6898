// The producer SDK: `createPayoutProducer({ connection })` → enqueue, enqueueMany, get, waitForResult.
// Payments are validated before anything reaches Redis (docs/design.md §2.6); the job id is derived from the
// paymentId, so enqueueing a payment twice is a no-op that says so (docs/design.md §2.2). It fails fast when Redis is
// down rather than buffering in memory.
import { setTimeout as sleep } from "node:timers/promises";
import { Queue, type Telemetry } from "bullmq";
import type { DataSettings, QueueSettings } from "../../config.js";
import { describeIssues, type FieldIssue } from "../../payments/field-issues.js";
import { FINAL_OUTCOMES, type Outcome } from "../../payments/lifecycle.js";
import { PAYMENT_DATA_VERSION, validatePayment, type Payment } from "../../payments/payment.js";
import { NO_DATA_KEYS, type DataKeyring } from "../../payments/recipient-crypto.js";
import { paymentFingerprint } from "../../payments/same-payment.js";
import { paymentDigest, plainFingerprint, sealPayment } from "../job-data.js";
import { PAYOUT_JOB_NAME, bullPrefix, jobIdFor } from "../names.js";
import type { PaymentView } from "../payment-view.js";
import {
  createPaymentRecords,
  DEFAULT_IDEMPOTENCY_DAYS,
  DEFAULT_KEEP_COMPLETED_DAYS,
  DEFAULT_KEEP_FAILED_DAYS,
  type PaymentRecord,
} from "../payment-record.js";
import { connectionFor, ensureReady, producerConnection, type RedisConnectionInput } from "../../redis/connections.js";
import { isRedisError, RedisNotReplicatedError } from "../../redis/errors.js";
import { confirmReplicas, NO_REPLICA_WAIT, type ReplicaWait } from "../../redis/replicas.js";
import { readPaymentJob } from "./job-reader.js";
import { retryPayment, type RetryOptions, type RetryResult } from "./retry.js";

export class PaymentValidationError extends Error {
  override readonly name = "PaymentValidationError";
  constructor(readonly issues: FieldIssue[]) {
    super(`invalid payment: ${describeIssues(issues)}`);
  }
}

export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(readonly view: PaymentView | undefined) {
    super(`payment ${view?.paymentId ?? "?"} is not final yet (${view?.outcome ?? "not found"})`);
  }
}

export type EnqueueResult =
  | { status: "accepted"; paymentId: string; jobId: string }
  /** The payment was already queued; `sameData` says whether it carried the same data. */
  | {
      status: "duplicate";
      paymentId: string;
      jobId: string;
      sameData: boolean;
      /** The outcome recorded when the payment finished (its idempotency record outlives the job). */
      outcome?: Outcome;
    };

export type BulkItemResult =
  ({ index: number } & EnqueueResult) | { index: number; status: "invalid"; issues: FieldIssue[] };

export interface PayoutProducer {
  enqueue(payment: unknown): Promise<EnqueueResult>;
  /** Validates each item; enqueues the valid ones in bulk. One result per input, in order. */
  enqueueMany(payments: readonly unknown[]): Promise<BulkItemResult[]>;
  get(paymentId: string): Promise<PaymentView | undefined>;
  /** Resolves with the payment once its outcome is final; WaitTimeoutError after `timeoutMs`. */
  waitForResult(paymentId: string, options?: { timeoutMs?: number }): Promise<PaymentView>;
  /**
   * Retries a finished payment by the rules of src/payments/retry-rules.ts (same key unless the bank
   * ended it and `newAttempt` is asked), audited on the job and in the audit stream.
   */
  retry(paymentId: string, options: RetryOptions): Promise<RetryResult>;
  close(): Promise<void>;
}

export interface ProducerOptions {
  /**
   * A redis:// URL, a description of a Sentinel set or cluster (`{ kind: "sentinel", sentinels, name }`,
   * `{ kind: "cluster", nodes }`), or an ioredis `Redis` or `Cluster` of yours (then with `enableOfflineQueue: false`).
   */
  connection: RedisConnectionInput;
  queueName?: string;
  redisPrefix?: string;
  /**
   * Data keys (PIXOUT_DATA_KEYS, PIXOUT_DATA_KEY_ID): with a write key, recipients are stored encrypted;
   * every key is used to compare a stored payment with a new one.
   */
  dataKeys?: DataKeyring;
  /** Finished jobs are removed after this many days (PIXOUT_KEEP_COMPLETED_DAYS, 30; PIXOUT_KEEP_FAILED_DAYS, 90). */
  keepCompletedDays?: number;
  keepFailedDays?: number;
  /** The per-payment maximum in centavos (PIXOUT_MAX_AMOUNT; default R$ 1,000,000.00). */
  maxAmountCents?: number;
  /**
   * BullMQ telemetry, e.g. `new BullMQOtel()` from bullmq-otel with your OpenTelemetry SDK registered:
   * each enqueue is then a PRODUCER span whose context travels with the job, so the worker's steps and
   * bank calls join its trace (docs/operating/observability.md). None: no spans, exactly as without it.
   */
  telemetry?: Telemetry;
  /**
   * PIXOUT_REDIS_WAIT_REPLICAS: an enqueue is acknowledged only once this many replicas confirmed it (WAIT), so
   * that a failover cannot forget a payment the caller was told about (docs/operating/redis.md). Default: none.
   */
  replicas?: ReplicaWait;
}

/** A producer as the settings describe it (the CLI's and the demo's; the SDK's users pass their own). */
export function producerOptionsFor(
  settings: QueueSettings & {
    data: Pick<DataSettings, "dataKeys" | "keepCompletedDays" | "keepFailedDays">;
    maxAmountCents: number;
  },
): ProducerOptions {
  return {
    connection: settings.redis.target,
    queueName: settings.queueName,
    redisPrefix: settings.redisPrefix,
    dataKeys: settings.data.dataKeys,
    keepCompletedDays: settings.data.keepCompletedDays,
    keepFailedDays: settings.data.keepFailedDays,
    maxAmountCents: settings.maxAmountCents,
    replicas: { count: settings.redis.waitReplicas, timeoutMs: settings.redis.waitTimeoutMs },
  };
}

/**
 * Job options of every payout. BullMQ's own attempts only cover failures of the worker itself (a Redis
 * blip while it saves the step); the bank's retries are the worker's rules, whatever a producer sets.
 */
export const PAYOUT_JOB_OPTIONS = { attempts: 5, backoff: { type: "exponential", delay: 5_000 } } as const;

/** PAYOUT_JOB_OPTIONS with the retention of finished jobs, in days (removeOnComplete/removeOnFail ages). */
export function payoutJobOptions(
  keepCompletedDays: number = DEFAULT_KEEP_COMPLETED_DAYS,
  keepFailedDays: number = DEFAULT_KEEP_FAILED_DAYS,
) {
  return {
    ...PAYOUT_JOB_OPTIONS,
    removeOnComplete: { age: Math.round(keepCompletedDays * 86_400) },
    removeOnFail: { age: Math.round(keepFailedDays * 86_400) },
  };
}

const BULK_CHUNK = 500;

export function createPayoutProducer(options: ProducerOptions): PayoutProducer {
  const { redis, owns: ownsConnection, where } = connectionFor(options.connection, producerConnection);
  const queue = new Queue(options.queueName ?? "pix-payouts", {
    connection: redis,
    prefix: bullPrefix(options.redisPrefix ?? "pixout"),
    ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
  });
  queue.on("error", () => undefined); // surfaced by the failing call
  const keyring = options.dataKeys ?? NO_DATA_KEYS;
  const rules = options.maxAmountCents === undefined ? {} : { maxAmountCents: options.maxAmountCents };
  const jobOptions = payoutJobOptions(options.keepCompletedDays, options.keepFailedDays);
  const replicas = options.replicas ?? NO_REPLICA_WAIT;
  const queueKey = `${bullPrefix(options.redisPrefix ?? "pixout")}:${options.queueName ?? "pix-payouts"}`;
  // The producer only reads records (the worker writes them), so their lifetime does not matter here.
  const records = createPaymentRecords(
    redis,
    options.redisPrefix ?? "pixout",
    options.queueName ?? "pix-payouts",
    DEFAULT_IDEMPOTENCY_DAYS,
  );

  const prepare = (payment: Payment): Payment => ({ version: PAYMENT_DATA_VERSION, ...payment });

  async function addAll(payments: Payment[]): Promise<EnqueueResult[]> {
    const timestamp = Date.now();
    const results: EnqueueResult[] = [];
    for (let i = 0; i < payments.length; i += BULK_CHUNK) {
      const chunk = payments.slice(i, i + BULK_CHUNK);
      // A finished payment keeps its idempotency record after its job is removed: never queued again.
      // A record still `queued` belongs to a job that sent nothing: the job id alone decides then.
      const recorded = (await records.read(chunk.map((p) => p.paymentId))).map((r) =>
        r?.outcome === "queued" ? undefined : r,
      );
      const fresh = chunk.filter((_, k) => recorded[k] === undefined);
      if (fresh.length > 0) {
        await queue.addBulk(
          fresh.map((p) => ({
            name: PAYOUT_JOB_NAME,
            data: sealPayment(p, keyring),
            opts: { ...jobOptions, jobId: jobIdFor(p.paymentId), timestamp },
          })),
        );
        // Not acknowledged until the replicas have it. Unconfirmed, the payments are on the master all the same:
        // the caller must not pay them another way, but enqueue them again (then `duplicate`, `sameData: true`).
        await confirmReplicas(redis, queueKey, replicas).catch((err: unknown) => {
          if (!(err instanceof RedisNotReplicatedError)) throw err;
          throw new RedisNotReplicatedError(
            `enqueue not confirmed: ${err.message}. The payment may be queued and will then be paid: enqueue it again with the same paymentId (a duplicate with sameData true is success) and never pay it another way`,
          );
        });
      }
      // BullMQ keeps the first job of an id and ignores later adds: read back which ones are ours.
      const stored = await Promise.all(chunk.map((p) => queue.getJob(jobIdFor(p.paymentId))));
      chunk.forEach((payment, k) => {
        const job = stored[k];
        const record = recorded[k];
        const jobId = jobIdFor(payment.paymentId);
        const same =
          job !== undefined
            ? plainFingerprint(job.data, keyring) === paymentFingerprint(payment)
            : record !== undefined && sameAsRecorded(payment, record);
        const ours = record === undefined && job !== undefined && job.timestamp === timestamp && same;
        results.push(
          ours
            ? { status: "accepted", paymentId: payment.paymentId, jobId }
            : {
                status: "duplicate",
                paymentId: payment.paymentId,
                jobId,
                sameData: same,
                ...(record === undefined ? {} : { outcome: record.outcome }),
              },
        );
      });
    }
    return results;
  }

  /** Whether a payment is the one a record was written for (its digest, under the key the worker used). */
  function sameAsRecorded(payment: Payment, record: PaymentRecord): boolean {
    if (record.digest === undefined) return false;
    const kid = record.digest.slice(0, record.digest.indexOf(":"));
    return paymentDigest(payment, { keys: keyring.keys, writeKid: kid }) === record.digest;
  }

  let closed = false;
  /** Redis ready for a call — connected again if ioredis gave up on it — unless this producer was closed. */
  async function ready(): Promise<void> {
    if (closed) throw new Error("this payout producer is closed: create another one");
    await ensureReady(redis, where);
  }

  async function get(paymentId: string): Promise<PaymentView | undefined> {
    await ready();
    return (await readPaymentJob(queue, jobIdFor(paymentId)))?.view;
  }

  return {
    get,

    async enqueue(input) {
      const v = validatePayment(input, rules);
      if (!v.ok) throw new PaymentValidationError(v.issues);
      await ready();
      const [result] = await addAll([prepare(v.value)]);
      if (!result) throw new Error("unreachable: no result for the payment");
      return result;
    },

    async enqueueMany(inputs) {
      const results: (BulkItemResult | undefined)[] = new Array<BulkItemResult | undefined>(inputs.length);
      const valid: { index: number; payment: Payment }[] = [];
      const seen = new Map<string, number>();
      inputs.forEach((input, index) => {
        const v = validatePayment(input, rules);
        if (!v.ok) {
          results[index] = { index, status: "invalid", issues: v.issues };
          return;
        }
        const earlier = seen.get(v.value.paymentId);
        if (earlier !== undefined) {
          // The same paymentId twice in one batch: the later one is a duplicate of the earlier.
          const same =
            paymentFingerprint(prepare(v.value)) ===
            paymentFingerprint(valid.find((x) => x.index === earlier)?.payment);
          results[index] = {
            index,
            status: "duplicate",
            paymentId: v.value.paymentId,
            jobId: jobIdFor(v.value.paymentId),
            sameData: same,
          };
          return;
        }
        seen.set(v.value.paymentId, index);
        valid.push({ index, payment: prepare(v.value) });
      });
      if (valid.length > 0) {
        await ready();
        const added = await addAll(valid.map((v) => v.payment));
        added.forEach((result, k) => {
          const index = valid[k]?.index ?? -1;
          results[index] = { index, ...result };
        });
      }
      return results.map(
        (r, index) => r ?? { index, status: "invalid", issues: [{ field: "", message: "not processed" }] },
      );
    },

    async waitForResult(paymentId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 60_000);
      let view: PaymentView | undefined;
      // A read is only a read: Redis failing under one (a failover, a reconnect) is waited out until the
      // deadline, and then said as Redis's, not as a payment that is late.
      let redisFailure: Error | undefined;
      for (let i = 0; ; i++) {
        try {
          view = await get(paymentId);
          redisFailure = undefined;
        } catch (err) {
          if (!isRedisError(err)) throw err;
          redisFailure = err as Error;
        }
        if (view && FINAL_OUTCOMES.has(view.outcome)) return view;
        if (Date.now() >= deadline) throw redisFailure ?? new WaitTimeoutError(view);
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(i, 5), Math.max(1, deadline - Date.now())));
      }
    },

    async retry(paymentId, retryOptions) {
      await ready();
      return retryPayment(queue, redis, options.redisPrefix ?? "pixout", paymentId, retryOptions);
    },

    async close() {
      closed = true;
      await queue.close();
      if (ownsConnection) redis.disconnect();
    },
  };
}
