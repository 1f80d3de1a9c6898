// An operator's retry of a finished payment (`pixout retry`, the SDK's retry(), the dashboard): the rules
// of src/payments/retry-rules.ts applied to the job, and an audit entry on the job and in a Redis stream
// that outlives the job.
//
// The job's data is replaced only if nobody changed it since it was read (compare-and-set in Lua, in the
// same step as the audit-stream entry), so a retry can never erase what a worker wrote meanwhile — such
// as the mark that a send is in flight. If BullMQ then refuses to move the job (someone else moved it
// first), the data is put back the same way and the stream records that the retry was aborted.
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import { bankIdempotencyKey } from "../../payments/idempotency.js";
import type { Outcome } from "../../payments/lifecycle.js";
import { decideRetry } from "../../payments/retry-rules.js";
import { freeTextProblem } from "../../payments/text.js";
import { auditEntries, readJobData } from "../job-data.js";
import { readPaymentJob } from "./job-reader.js";
import { bullPrefix, jobIdFor } from "../names.js";
import { DEFAULT_IDEMPOTENCY_DAYS, paymentRecordKey } from "../payment-record.js";
import { listKey } from "../payment-stats.js";

export interface AuditEntry {
  at: string;
  actor: string;
  action: "retry" | "retry-aborted";
  reason: string;
  queue: string;
  previousOutcome: Outcome;
  previousBankStatus: string | null;
  previousGeneration: number;
  generation: number;
  newKey: boolean;
  notExecuted: boolean;
}

export type RetryResult =
  | {
      paymentId: string;
      status: "retried" | "would-retry";
      newKey: boolean;
      generation: number;
      idempotencyKey: string;
      previousOutcome: Outcome;
    }
  | { paymentId: string; status: "refused"; why: string; previousOutcome?: Outcome }
  | { paymentId: string; status: "not-found" };

export interface RetryOptions {
  /** Pay again under the next generation's key (only after a definitive bank failure). */
  newAttempt?: boolean;
  /** Reconciled with the bank: the parked payment was not executed (clears the evidence; same key). */
  notExecuted?: boolean;
  /** Who asks (an operator's name); recorded in the audit. */
  actor: string;
  /** Why; recorded in the audit. Required, except for a dry run. */
  reason: string;
  dryRun?: boolean;
  now?: number;
  /** How long a payment's record is kept (PIXOUT_IDEMPOTENCY_DAYS), for a record the retry must write again. */
  recordTtlDays?: number;
}

/**
 * The stream of every retry, per prefix: it survives job removal. Under the prefix's hash tag, like the job
 * and the record it is written with in one script (one cluster slot).
 */
export function auditStreamKey(redisPrefix: string): string {
  return `${bullPrefix(redisPrefix)}:audit`;
}

/** One change of a payment at a time (a retry, a resolution): its lock, in the prefix's slot. */
export function changeLockKey(redisPrefix: string, paymentId: string): string {
  return `${bullPrefix(redisPrefix)}:retry-lock:${paymentId}`;
}

// KEYS: job hash, audit stream, the payment's record. ARGV: expected data, new data, paymentId, audit entry,
// then (a retry, not its undoing) the retried run's claim, the record's outcome and generation if it has
// none, its ttl in seconds, now (ISO).
const REPLACE_DATA = `
if redis.call('HGET', KEYS[1], 'data') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000000', '*', 'paymentId', ARGV[3], 'entry', ARGV[4])
if ARGV[5] then
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('HSET', KEYS[3], 'outcome', ARGV[6], 'generation', ARGV[7], 'finishedAt', ARGV[9])
    redis.call('EXPIRE', KEYS[3], tonumber(ARGV[8]))
  end
  redis.call('HSET', KEYS[3], 'claim', ARGV[5])
end
return 1`;
const DELETE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export async function retryPayment(
  queue: Queue,
  redis: RedisClient,
  redisPrefix: string,
  paymentId: string,
  options: RetryOptions,
): Promise<RetryResult> {
  const now = options.now ?? Date.now();
  const jobId = jobIdFor(paymentId);
  if (!options.dryRun && options.reason.trim() === "")
    return { paymentId, status: "refused", why: "a retry needs a reason (it is audited)" };
  // The audit is read in terminals and pages: no control characters, no bidirectional marks.
  for (const [what, text] of [
    ["reason", options.reason],
    ["actor", options.actor],
  ] as const) {
    const problem = freeTextProblem(text);
    if (problem !== undefined) return { paymentId, status: "refused", why: `the ${what} ${problem}` };
  }
  // One retry of a payment at a time: a second operator sees the first one's result.
  const lock = changeLockKey(redisPrefix, paymentId);
  const owner = `${options.actor}:${String(now)}:${String(Math.random())}`;
  if (!options.dryRun && (await redis.set(lock, owner, "PX", 30_000, "NX")) !== "OK") {
    return { paymentId, status: "refused", why: "another retry of this payment is under way" };
  }
  try {
    const snapshot = await readPaymentJob(queue, jobId);
    if (!snapshot) return { paymentId, status: "not-found" };
    const { job, jobState, view } = snapshot;
    // The data exactly as stored, as the baseline of the compare-and-set below.
    const jobKey = queue.toKey(jobId);
    const rawData = await redis.hget(jobKey, "data");
    if (rawData === null || JSON.stringify(JSON.parse(rawData)) !== JSON.stringify(job.data)) {
      return {
        paymentId,
        status: "refused",
        why: "the payment changed while it was being read; nothing was retried — look again",
      };
    }
    const data = readJobData(job.data);
    const state = data.state.unchecked;
    const decision = decideRetry(
      { outcome: view.outcome, bankStatus: view.bankStatus, state },
      { newAttempt: options.newAttempt === true, notExecuted: options.notExecuted === true, now },
    );
    if (!decision.allowed) return { paymentId, status: "refused", why: decision.why, previousOutcome: view.outcome };
    const result = {
      paymentId,
      newKey: decision.newKey,
      generation: decision.generation,
      idempotencyKey: bankIdempotencyKey(paymentId, decision.generation),
      previousOutcome: view.outcome,
    };
    if (options.dryRun) return { ...result, status: "would-retry" };
    if (jobState !== "failed" && jobState !== "completed")
      return { paymentId, status: "refused", why: `the job is ${jobState}` };

    const entry: AuditEntry = {
      at: new Date(now).toISOString(),
      actor: options.actor,
      action: "retry",
      reason: options.reason,
      queue: queue.name,
      previousOutcome: view.outcome,
      previousBankStatus: view.bankStatus,
      previousGeneration: view.generation,
      generation: decision.generation,
      newKey: decision.newKey,
      notExecuted: options.notExecuted === true,
    };
    const audit = auditEntries(data);
    // The retried run gets a claim of its own on the payment's record (src/queue/worker/fenced-store.ts), in the
    // same step: an operator's retry is what may reopen a payment — also one of a job that was refused as
    // another job's duplicate, or whose claim the record did not know.
    const claim = randomUUID();
    const retried = { ...decision.state, claim };
    const newData = JSON.stringify({ ...data.fields, state: retried, audit: [...audit, entry] });
    const stream = auditStreamKey(redisPrefix);
    const record = paymentRecordKey(redisPrefix, queue.name, paymentId);
    const ttl = String(Math.round((options.recordTtlDays ?? DEFAULT_IDEMPOTENCY_DAYS) * 86_400));
    const claimArgs = [claim, view.outcome, String(view.generation), ttl, new Date(now).toISOString()];
    if (
      (await redis.eval(
        REPLACE_DATA,
        3,
        jobKey,
        stream,
        record,
        rawData,
        newData,
        paymentId,
        JSON.stringify(entry),
        ...claimArgs,
      )) !== 1
    ) {
      return {
        paymentId,
        status: "refused",
        why: "the payment changed while it was being retried; nothing was retried — look again",
      };
    }
    try {
      await job.retry(jobState, { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (err) {
      const aborted = JSON.stringify({ ...entry, action: "retry-aborted" });
      await redis.eval(REPLACE_DATA, 3, jobKey, stream, record, newData, rawData, paymentId, aborted);
      return {
        paymentId,
        status: "refused",
        why: `the job moved meanwhile (${err instanceof Error ? err.message : String(err)}); nothing was retried`,
      };
    }
    // On its way again: off the overview's lists of what needs a human (its next send takes it off too, if this
    // is lost; the lists are a view, the retry is done).
    await redis
      .multi()
      .zrem(listKey(redisPrefix, queue.name, "failed"), paymentId)
      .zrem(listKey(redisPrefix, queue.name, "parked"), paymentId)
      .exec()
      .catch(() => undefined);
    return { ...result, status: "retried" };
  } finally {
    if (!options.dryRun) await redis.eval(DELETE_IF_OWNER, 1, lock, owner);
  }
}
