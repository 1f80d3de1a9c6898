// The producer SDK: `createPayoutProducer({ connection })` → enqueue, enqueueMany, get, waitForResult.
// Payments are validated before anything reaches Redis (DESIGN.md §2.6); the job id is derived from the
// paymentId, so enqueueing a payment twice is a no-op that says so (§2.2). It fails fast when Redis is
// down rather than buffering in memory.
import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { describeIssues, type FieldIssue } from "../payments/field-issues.js";
import { FINAL_OUTCOMES } from "../payments/lifecycle.js";
import { PAYMENT_DATA_VERSION, validatePayment, type Payment } from "../payments/payment.js";
import { paymentFingerprint } from "../payments/same-payment.js";
import { PAYOUT_JOB_NAME, bullPrefix, jobIdFor } from "./names.js";
import type { PaymentView } from "./payment-view.js";
import { ensureReady, producerConnection } from "./redis-connection.js";
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
  | { status: "duplicate"; paymentId: string; jobId: string; sameData: boolean };

export type BulkItemResult = ({ index: number } & EnqueueResult) | { index: number; status: "invalid"; issues: FieldIssue[] };

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
  /** A redis:// URL, or an ioredis connection of yours (then with `enableOfflineQueue: false`). */
  connection: string | Redis;
  queueName?: string;
  redisPrefix?: string;
}

/**
 * Job options of every payout. BullMQ's own attempts only cover failures of the worker itself (a Redis
 * blip while it saves the step); the bank's retries are the worker's rules, whatever a producer sets.
 */
export const PAYOUT_JOB_OPTIONS = { attempts: 5, backoff: { type: "exponential", delay: 5_000 } } as const;

const BULK_CHUNK = 500;


export function createPayoutProducer(options: ProducerOptions): PayoutProducer {
  const url = typeof options.connection === "string" ? options.connection : "the given connection";
  const redis = typeof options.connection === "string" ? producerConnection(options.connection) : options.connection;
  const ownsConnection = typeof options.connection === "string";
  const queue = new Queue(options.queueName ?? "pix-payouts", { connection: redis, prefix: bullPrefix(options.redisPrefix ?? "pixout") });
  queue.on("error", () => undefined); // surfaced by the failing call

  const prepare = (payment: Payment): Payment => ({ version: PAYMENT_DATA_VERSION, ...payment });

  async function addAll(payments: Payment[]): Promise<EnqueueResult[]> {
    const timestamp = Date.now();
    const results: EnqueueResult[] = [];
    for (let i = 0; i < payments.length; i += BULK_CHUNK) {
      const chunk = payments.slice(i, i + BULK_CHUNK);
      await queue.addBulk(
        chunk.map((p) => ({ name: PAYOUT_JOB_NAME, data: p, opts: { ...PAYOUT_JOB_OPTIONS, jobId: jobIdFor(p.paymentId), timestamp } })),
      );
      // BullMQ keeps the first job of an id and ignores later adds: read back which ones are ours.
      const stored = await Promise.all(chunk.map((p) => queue.getJob(jobIdFor(p.paymentId))));
      chunk.forEach((payment, k) => {
        const job = stored[k];
        const jobId = jobIdFor(payment.paymentId);
        const same = job !== undefined && paymentFingerprint(job.data) === paymentFingerprint(payment);
        const ours = job !== undefined && job.timestamp === timestamp && same;
        results.push(
          ours
            ? { status: "accepted", paymentId: payment.paymentId, jobId }
            : { status: "duplicate", paymentId: payment.paymentId, jobId, sameData: same },
        );
      });
    }
    return results;
  }

  async function get(paymentId: string): Promise<PaymentView | undefined> {
    await ensureReady(redis, url);
    return (await readPaymentJob(queue, jobIdFor(paymentId)))?.view;
  }

  return {
    get,

    async enqueue(input) {
      const v = validatePayment(input);
      if (!v.ok) throw new PaymentValidationError(v.issues);
      await ensureReady(redis, url);
      const [result] = await addAll([prepare(v.value)]);
      if (!result) throw new Error("unreachable: no result for the payment");
      return result;
    },

    async enqueueMany(inputs) {
      const results: (BulkItemResult | undefined)[] = new Array<BulkItemResult | undefined>(inputs.length);
      const valid: { index: number; payment: Payment }[] = [];
      const seen = new Map<string, number>();
      inputs.forEach((input, index) => {
        const v = validatePayment(input);
        if (!v.ok) {
          results[index] = { index, status: "invalid", issues: v.issues };
          return;
        }
        const earlier = seen.get(v.value.paymentId);
        if (earlier !== undefined) {
          // The same paymentId twice in one batch: the later one is a duplicate of the earlier.
          const same = paymentFingerprint(prepare(v.value)) === paymentFingerprint(valid.find((x) => x.index === earlier)?.payment);
          results[index] = { index, status: "duplicate", paymentId: v.value.paymentId, jobId: jobIdFor(v.value.paymentId), sameData: same };
          return;
        }
        seen.set(v.value.paymentId, index);
        valid.push({ index, payment: prepare(v.value) });
      });
      if (valid.length > 0) {
        await ensureReady(redis, url);
        const added = await addAll(valid.map((v) => v.payment));
        added.forEach((result, k) => {
          const index = valid[k]?.index ?? -1;
          results[index] = { index, ...result };
        });
      }
      return results.map((r, index) => r ?? { index, status: "invalid", issues: [{ field: "", message: "not processed" }] });
    },

    async waitForResult(paymentId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 60_000);
      let view: PaymentView | undefined;
      for (let i = 0; ; i++) {
        view = await get(paymentId);
        if (view && FINAL_OUTCOMES.has(view.outcome)) return view;
        if (Date.now() >= deadline) throw new WaitTimeoutError(view);
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(i, 5), Math.max(1, deadline - Date.now())));
      }
    },

    async retry(paymentId, retryOptions) {
      await ensureReady(redis, url);
      return retryPayment(queue, redis, options.redisPrefix ?? "pixout", paymentId, retryOptions);
    },

    async close() {
      await queue.close();
      if (ownsConnection) redis.disconnect();
    },
  };
}
