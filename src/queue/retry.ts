// An operator's retry of a finished payment (`pixout retry`, the SDK's retry(), the dashboard): the rules
// of src/payments/retry-rules.ts applied to the job, and an audit entry on the job and in a Redis stream
// that outlives the job.
import type { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import type { Outcome, PaymentState } from "../payments/lifecycle.js";
import { decideRetry } from "../payments/retry-rules.js";
import { jobIdFor } from "./names.js";
import { paymentView } from "./payment-view.js";

export interface AuditEntry {
  at: string;
  actor: string;
  action: "retry";
  reason?: string;
  previousOutcome: Outcome;
  previousBankStatus: string | null;
  previousGeneration: number;
  generation: number;
  newKey: boolean;
}

export type RetryResult =
  | { paymentId: string; status: "retried" | "would-retry"; newKey: boolean; generation: number; idempotencyKey: string; previousOutcome: Outcome }
  | { paymentId: string; status: "refused"; why: string; previousOutcome?: Outcome }
  | { paymentId: string; status: "not-found" };

export interface RetryOptions {
  /** Pay again under the next generation's key (only after a definitive bank failure). */
  newAttempt?: boolean;
  /** Who asks (an operator's name); recorded in the audit. */
  actor: string;
  reason?: string;
  dryRun?: boolean;
  now?: number;
}

/** The stream of every retry, per prefix: it survives job removal (issue #4 §2). */
export function auditStreamKey(redisPrefix: string): string {
  return `${redisPrefix}:audit`;
}

export async function retryPayment(queue: Queue, redis: Redis, redisPrefix: string, paymentId: string, options: RetryOptions): Promise<RetryResult> {
  const now = options.now ?? Date.now();
  const jobId = jobIdFor(paymentId);
  // One retry of a payment at a time: a second operator sees the first one's result.
  const lock = `${redisPrefix}:retry-lock:${paymentId}`;
  if (!options.dryRun && (await redis.set(lock, options.actor, "PX", 10_000, "NX")) !== "OK") {
    return { paymentId, status: "refused", why: "another retry of this payment is under way" };
  }
  try {
    const job = (await queue.getJob(jobId)) as Job | undefined;
    if (!job) return { paymentId, status: "not-found" };
    const jobState = await job.getState();
    const view = paymentView({
      id: jobId,
      state: jobState,
      data: job.data,
      returnvalue: job.returnvalue,
      failedReason: job.failedReason,
      timestamp: job.timestamp,
      finishedOn: job.finishedOn,
    });
    const data = (typeof job.data === "object" && job.data !== null ? job.data : {}) as Record<string, unknown>;
    const state = (typeof data["state"] === "object" && data["state"] !== null ? data["state"] : {}) as Partial<PaymentState>;
    const decision = decideRetry({ outcome: view.outcome, bankStatus: view.bankStatus, state }, { newAttempt: options.newAttempt === true, now });
    if (!decision.allowed) return { paymentId, status: "refused", why: decision.why, previousOutcome: view.outcome };
    const result = {
      paymentId,
      newKey: decision.newKey,
      generation: decision.generation,
      idempotencyKey: bankIdempotencyKey(paymentId, decision.generation),
      previousOutcome: view.outcome,
    };
    if (options.dryRun) return { ...result, status: "would-retry" };
    if (jobState !== "failed" && jobState !== "completed") return { paymentId, status: "refused", why: `the job is ${jobState}` };

    const entry: AuditEntry = {
      at: new Date(now).toISOString(),
      actor: options.actor,
      action: "retry",
      ...(options.reason === undefined ? {} : { reason: options.reason }),
      previousOutcome: view.outcome,
      previousBankStatus: view.bankStatus,
      previousGeneration: view.generation,
      generation: decision.generation,
      newKey: decision.newKey,
    };
    const audit = Array.isArray(data["audit"]) ? (data["audit"] as unknown[]) : [];
    await job.updateData({ ...data, state: decision.state, audit: [...audit, entry] });
    await job.retry(jobState, { resetAttemptsMade: true, resetAttemptsStarted: true });
    await redis.xadd(auditStreamKey(redisPrefix), "MAXLEN", "~", "1000000", "*", "paymentId", paymentId, "entry", JSON.stringify(entry));
    return { ...result, status: "retried" };
  } finally {
    if (!options.dryRun) await redis.del(lock);
  }
}
