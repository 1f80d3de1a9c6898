// Resolving a payment parked as needs-reconciliation (docs/operating/reconciliation.md): by the reconciliation, when
// the bank's statement proves it paid or not executed, or by an operator (`pixout resolve`). The job keeps
// its parked state as history and gets a `resolution`, which is its outcome from then on; the payment's
// long-lived record takes the outcome in the same step, so that a paid payment is never sent again (the
// fenced send refuses a record that says paid) and a producer's re-enqueue is refused with it.
//
// One Lua step, compare-and-set on the job's data as read (a worker or a retry that moved it meanwhile
// wins, and nothing is written), with the audit entry on the job and in the audit stream. The outcome's
// event is queued after it; a crash in between loses that event only (the job and record are right, and
// `pixout status` shows them).
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { RedisClient } from "../../redis/connections.js";
import type { Notifier } from "../../notifications/notifier.js";
import { endToEndMoment } from "../../payments/callback-news.js";
import type { Outcome, Resolved } from "../../payments/lifecycle.js";
import { freeTextProblem } from "../../payments/text.js";
import { readPaymentJob } from "./job-reader.js";
import { jobIdFor } from "../names.js";
import { DEFAULT_IDEMPOTENCY_DAYS, paymentRecordKey } from "../payment-record.js";
import { listKey } from "../payment-stats.js";
import { auditEntries, readJobData } from "../job-data.js";
import { outcomeFacts } from "../outcome-facts.js";
import { auditStreamKey, changeLockKey } from "./retry.js";

export interface ResolveRequest {
  outcome: "paid" | "failed";
  /** `reconciliation`, or the operator's name. */
  actor: string;
  reason: string;
  /** What proves it: the statement's entry (paid), or nothing (an operator's word, audited). */
  evidence?: { debitId?: string; codigoSolicitacao?: string; endToEndId?: string; date?: string };
  now?: number;
  /** PIXOUT_IDEMPOTENCY_DAYS, for a record that must be written again. */
  recordTtlDays?: number;
  /** When given, the new outcome's event is queued (as the worker would). */
  notifier?: Pick<Notifier, "notifyOutcome">;
  /**
   * The job's data (JSON) as the decision was made on it: refused if the job changed since (a retry, a new
   * send parked again). Without it, the job as read now.
   */
  expectedData?: string;
}

export type ResolveResult =
  | { paymentId: string; status: "resolved"; outcome: "paid" | "failed"; notified: boolean; why?: string }
  | { paymentId: string; status: "refused"; why: string; outcome?: Outcome }
  | { paymentId: string; status: "not-found" };

// KEYS: job hash, audit stream, record, the queue's completed and failed sets, the overview's parked, failed
// and done lists (src/queue/payment-stats.ts). ARGV: expected data, new data, paymentId, audit entry, outcome,
// generation, codigoSolicitacao ('' = keep), now (ISO), ttl seconds, job id, now (ms). The lists are written
// last, through redis.pcall: one that cannot be written never fails the resolution.
// The job must still be finished (a retry moves it back to wait) with the data the decision was made on.
const RESOLVE = `
if redis.call('HGET', KEYS[1], 'data') ~= ARGV[1] then return 0 end
if not redis.call('ZSCORE', KEYS[4], ARGV[10]) and not redis.call('ZSCORE', KEYS[5], ARGV[10]) then return 0 end
local recorded = redis.call('HGET', KEYS[3], 'outcome')
if recorded == 'paid' and ARGV[5] ~= 'paid' then return -1 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000000', '*', 'paymentId', ARGV[3], 'entry', ARGV[4])
redis.call('HSET', KEYS[3], 'outcome', ARGV[5], 'generation', ARGV[6], 'finishedAt', ARGV[8])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[3], 'codigoSolicitacao', ARGV[7]) end
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[9]))
redis.pcall('ZREM', KEYS[6], ARGV[3])
if ARGV[5] == 'failed' then redis.pcall('ZADD', KEYS[7], ARGV[11], ARGV[3]) else redis.pcall('ZREM', KEYS[7], ARGV[3]) end
redis.pcall('ZADD', KEYS[8], ARGV[11], ARGV[3])
return 1`;

export async function resolvePayment(
  queue: Queue,
  redis: RedisClient,
  redisPrefix: string,
  paymentId: string,
  request: ResolveRequest,
): Promise<ResolveResult> {
  const now = request.now ?? Date.now();
  if (request.reason.trim() === "")
    return { paymentId, status: "refused", why: "a resolution needs a reason (it is audited)" };
  for (const [what, text] of [
    ["reason", request.reason],
    ["actor", request.actor],
  ] as const) {
    const problem = freeTextProblem(text);
    if (problem !== undefined) return { paymentId, status: "refused", why: `the ${what} ${problem}` };
  }
  const e2e = request.evidence?.endToEndId;
  if (request.outcome === "paid" && e2e === undefined && request.evidence?.debitId === undefined) {
    return {
      paymentId,
      status: "refused",
      why: "paid needs the bank's evidence: the end-to-end id (E + 8-digit ISPB + yyyyMMddHHmm + 11 characters) or the statement entry",
    };
  }
  if (e2e !== undefined && endToEndMoment(e2e) === undefined)
    return {
      paymentId,
      status: "refused",
      why: `not a Pix end-to-end id: ${JSON.stringify(e2e)} (E + 8-digit ISPB + yyyyMMddHHmm + 11 letters or digits, 32 characters)`,
    };

  const jobId = jobIdFor(paymentId);
  // One change of a payment at a time: the retries' lock (src/queue/producer/retry.ts).
  const lock = changeLockKey(redisPrefix, paymentId);
  const owner = `${request.actor}:${String(now)}:${randomUUID()}`;
  if ((await redis.set(lock, owner, "PX", 30_000, "NX")) !== "OK")
    return { paymentId, status: "refused", why: "a retry or resolution of this payment is under way" };
  try {
    return await resolveLocked(queue, redis, redisPrefix, paymentId, jobId, request, now);
  } finally {
    await redis.eval(DELETE_IF_OWNER, 1, lock, owner);
  }
}

const DELETE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

async function resolveLocked(
  queue: Queue,
  redis: RedisClient,
  redisPrefix: string,
  paymentId: string,
  jobId: string,
  request: ResolveRequest,
  now: number,
): Promise<ResolveResult> {
  const e2e = request.evidence?.endToEndId;
  const snapshot = await readPaymentJob(queue, jobId);
  if (!snapshot) return { paymentId, status: "not-found" };
  const { job, jobState, view } = snapshot;
  if (view.outcome !== "needs-reconciliation") {
    return {
      paymentId,
      status: "refused",
      why: `only a payment parked as needs-reconciliation is resolved; this one is ${view.outcome}`,
      outcome: view.outcome,
    };
  }
  if (jobState !== "failed" && jobState !== "completed")
    return { paymentId, status: "refused", why: `the job is ${jobState}` };
  const jobKey = queue.toKey(jobId);
  const rawData = await redis.hget(jobKey, "data");
  if (rawData === null || JSON.stringify(JSON.parse(rawData)) !== JSON.stringify(job.data)) {
    return {
      paymentId,
      status: "refused",
      why: "the payment changed while it was being read; nothing was resolved — look again",
    };
  }
  if (request.expectedData !== undefined && JSON.stringify(JSON.parse(rawData)) !== request.expectedData) {
    return {
      paymentId,
      status: "refused",
      why: "the payment changed since the statement was compared with it; nothing was resolved — reconcile again",
    };
  }
  const data = readJobData(job.data);
  const state = data.state.unchecked;
  const codigo = request.evidence?.codigoSolicitacao ?? state.codigoSolicitacao;
  // The statement names the send: it must be this payment's, when we know its codigo.
  if (
    state.codigoSolicitacao !== undefined &&
    request.evidence?.codigoSolicitacao !== undefined &&
    state.codigoSolicitacao.toLowerCase() !== request.evidence.codigoSolicitacao.toLowerCase()
  ) {
    return {
      paymentId,
      status: "refused",
      why: `the evidence names codigoSolicitacao ${request.evidence.codigoSolicitacao}, the payment's is ${state.codigoSolicitacao}`,
    };
  }
  const resolution: Resolved = {
    outcome: request.outcome,
    at: now,
    by: request.actor,
    reason: request.reason,
    ...(request.evidence?.debitId === undefined ? {} : { debitId: request.evidence.debitId }),
    ...(codigo === undefined ? {} : { codigoSolicitacao: codigo }),
    ...(e2e === undefined ? {} : { endToEndId: e2e }),
    ...(request.evidence?.date === undefined ? {} : { date: request.evidence.date }),
  };
  const entry = {
    at: new Date(now).toISOString(),
    actor: request.actor,
    action: "resolve",
    reason: request.reason,
    queue: queue.name,
    previousOutcome: view.outcome,
    previousBankStatus: view.bankStatus,
    outcome: request.outcome,
    generation: view.generation,
    ...(resolution.debitId === undefined ? {} : { debitId: resolution.debitId }),
    ...(resolution.endToEndId === undefined ? {} : { endToEndId: resolution.endToEndId }),
  };
  const audit = auditEntries(data);
  const newData = JSON.stringify({ ...data.fields, state: { ...state, resolution }, audit: [...audit, entry] });
  const ttl = String(Math.round((request.recordTtlDays ?? DEFAULT_IDEMPOTENCY_DAYS) * 86_400));
  const written = await redis.eval(
    RESOLVE,
    8,
    jobKey,
    auditStreamKey(redisPrefix),
    paymentRecordKey(redisPrefix, queue.name, paymentId),
    queue.toKey("completed"),
    queue.toKey("failed"),
    listKey(redisPrefix, queue.name, "parked"),
    listKey(redisPrefix, queue.name, "failed"),
    listKey(redisPrefix, queue.name, "done"),
    rawData,
    newData,
    paymentId,
    JSON.stringify(entry),
    request.outcome,
    String(view.generation),
    codigo ?? "",
    new Date(now).toISOString(),
    ttl,
    jobId,
    String(now),
  );
  if (written === -1)
    return { paymentId, status: "refused", why: "its record says paid: it cannot be resolved as anything else" };
  if (written !== 1)
    return {
      paymentId,
      status: "refused",
      why: "the payment changed while it was being resolved; nothing was resolved — look again",
    };

  if (request.notifier === undefined)
    return { paymentId, status: "resolved", outcome: request.outcome, notified: false };
  try {
    const facts = outcomeFacts(paymentId, view.amount, {
      outcome: request.outcome,
      generation: view.generation,
      bankStatus: view.bankStatus ?? undefined,
      codigoSolicitacao: codigo,
      endToEndId: e2e,
      reason: request.reason,
    });
    const sent = await request.notifier.notifyOutcome(
      // The resolve entry counts: the event differs from the parked one of the same generation.
      { ...facts, retries: audit.length + 1, occurredAt: new Date(now).toISOString() },
      data.callbackUrl,
    );
    return {
      paymentId,
      status: "resolved",
      outcome: request.outcome,
      notified: sent.queued,
      ...(sent.why === undefined ? {} : { why: sent.why }),
    };
  } catch (err) {
    return {
      paymentId,
      status: "resolved",
      outcome: request.outcome,
      notified: false,
      why: `its event was not queued: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
