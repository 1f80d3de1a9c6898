// What a producer, `pixout status` or the dashboard shows of a payment: derived from its BullMQ job
// (state, data, return value, failure). Pure.
import { classifyStatus } from "../payments/bank-status.js";
import { bankIdempotencyKey } from "../payments/idempotency.js";
import {
  FINAL_OUTCOMES,
  hasBankEvidence,
  type HistoryEntry,
  type Outcome,
  type PaymentState,
  type Resolved,
} from "../payments/lifecycle.js";
import { auditEntries, readJobData } from "./job-data.js";

/** The job's result when it completes (`returnvalue`). */
export interface PaymentResult {
  paymentId: string;
  outcome: "paid" | "needs-reconciliation";
  bankStatus?: string;
  codigoSolicitacao?: string;
  endToEndId?: string;
  amount: string;
  /** When the bank moved the money, as Inter writes it (São Paulo time, no zone). */
  paidAt?: string;
  /** When we saw the final status (ISO 8601). */
  confirmedAt: string;
  history: HistoryEntry[];
  idempotencyKey: string;
  generation: number;
  /** Why it needs reconciliation. */
  reason?: string;
}

export interface PaymentView {
  paymentId: string;
  jobId: string;
  outcome: Outcome;
  /** BullMQ's state of the job: waiting, delayed, active, completed, failed… */
  jobState: string;
  amount?: string;
  bankStatus: string | null;
  codigoSolicitacao: string | null;
  endToEndId: string | null;
  failedReason: string | null;
  /** Why the payment was parked for reconciliation (or, resolved, why it was resolved so). */
  reason: string | null;
  /** How a parked payment was resolved against the bank's statement, if it was. */
  resolution: Resolved | null;
  idempotencyKey: string | null;
  generation: number;
  attempts: number;
  polls: number;
  /** Operators' retries of this payment. */
  audit: unknown[];
  /** The last error met, e.g. why it is waiting (a configuration problem, the bank unavailable…). */
  lastError: { code: string; message: string; at: string } | null;
  /** Why a payment not yet final waits now, and until when (a budget slot, a backoff, an approval…). */
  waitingFor: { why: string; until: string } | null;
  /** Waiting for its paying account's balance (docs/operating/balance.md): which account, since when (ISO 8601). */
  held: { account: string; since: string } | null;
  /** Earlier generations the bank ended for insufficient balance. */
  endedForBalance: { generation: number; codigoSolicitacao: string | null; bankStatus: string; at: string }[];
  history: HistoryEntry[];
  enqueuedAt: string;
  finishedAt: string | null;
  result: PaymentResult | null;
}

/** The parts of a BullMQ job this needs. */
export interface JobFacts {
  id: string;
  state: string;
  data: unknown;
  returnvalue: unknown;
  failedReason: string | undefined;
  timestamp: number;
  finishedOn: number | undefined;
}

function outcomeOf(job: JobFacts, state: Partial<PaymentState>, result: PaymentResult | undefined): Outcome {
  // A parked payment resolved against the bank's statement: the resolution is its outcome.
  const resolved = state.resolution?.outcome;
  if ((job.state === "completed" || job.state === "failed") && (resolved === "paid" || resolved === "failed"))
    return resolved;
  if (job.state === "completed") return result?.outcome ?? "paid";
  if (job.state === "failed") {
    // "Failed" never means "maybe paid": with evidence that the bank may have the payment, only a final
    // bank status makes it failed (a stored outcome could be from an earlier run of a retried job, and
    // BullMQ itself fails jobs that stalled too often or used up their attempts).
    const bankEnded = state.bankStatus !== undefined && classifyStatus(state.bankStatus) === "failure";
    if (hasBankEvidence(state) && !bankEnded) return "needs-reconciliation";
    if (state.outcome === "rejected" || state.outcome === "failed" || state.outcome === "blocked") return state.outcome;
    if (job.failedReason?.startsWith("invalid payment data")) return "rejected";
    return "failed";
  }
  return hasBankEvidence(state) ? "pending" : "queued";
}

export function paymentView(job: JobFacts): PaymentView {
  const data = readJobData(job.data);
  const state = data.state.unchecked;
  const result =
    job.state === "completed" && typeof job.returnvalue === "object" && job.returnvalue !== null
      ? (job.returnvalue as PaymentResult)
      : undefined;
  const paymentId = data.paymentId ?? job.id.replace(/^payment-/, "");
  const generation = typeof state.generation === "number" ? state.generation : 0;
  const { amount } = data;
  const outcome = outcomeOf(job, state, result);
  const resolution = state.resolution?.outcome === outcome ? state.resolution : undefined;
  // Parked by BullMQ's own failure (not by a decision of ours): say what BullMQ said, and why it matters.
  const bullFailure =
    job.state === "failed" && outcome === "needs-reconciliation" && state.outcome !== "needs-reconciliation";
  return {
    paymentId,
    jobId: job.id,
    outcome,
    jobState: job.state,
    ...(amount === undefined ? {} : { amount }),
    bankStatus: result?.bankStatus ?? state.bankStatus ?? null,
    codigoSolicitacao: result?.codigoSolicitacao ?? state.codigoSolicitacao ?? resolution?.codigoSolicitacao ?? null,
    endToEndId: result?.endToEndId ?? state.endToEndId ?? resolution?.endToEndId ?? null,
    failedReason: job.state === "failed" ? (resolution?.reason ?? state.reason ?? job.failedReason ?? null) : null,
    resolution: resolution ?? null,
    reason:
      resolution !== undefined
        ? resolution.reason
        : (result?.reason ??
          (bullFailure
            ? `the job failed in the worker (${job.failedReason ?? "no reason"}) after a send may have executed`
            : state.outcome === "needs-reconciliation"
              ? (state.reason ?? null)
              : null)),
    idempotencyKey: data.paymentId === undefined ? null : bankIdempotencyKey(paymentId, generation),
    generation,
    attempts: typeof state.attempts === "number" ? state.attempts : 0,
    audit: auditEntries(data),
    lastError:
      state.lastError && isoTime(state.lastError.at) !== null
        ? { code: state.lastError.code, message: state.lastError.message, at: isoTime(state.lastError.at) ?? "" }
        : null,
    waitingFor:
      !FINAL_OUTCOMES.has(outcome) && state.waitingFor && isoTime(state.waitingFor.until) !== null
        ? {
            why: typeof state.waitingFor.why === "string" ? state.waitingFor.why : "",
            until: isoTime(state.waitingFor.until) ?? "",
          }
        : null,
    held:
      !FINAL_OUTCOMES.has(outcome) && typeof state.held?.account === "string" && isoTime(state.held.since) !== null
        ? { account: state.held.account, since: isoTime(state.held.since) ?? "" }
        : null,
    endedForBalance: Array.isArray(state.endedForBalance)
      ? state.endedForBalance.flatMap((e) => {
          const at = isoTime((e as { at?: unknown } | null)?.at);
          return at === null
            ? []
            : [
                {
                  generation: e.generation,
                  codigoSolicitacao: e.codigoSolicitacao ?? null,
                  bankStatus: e.bankStatus,
                  at,
                },
              ];
        })
      : [],
    polls: typeof state.polls === "number" ? state.polls : 0,
    history: result?.history ?? state.history ?? [],
    enqueuedAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn === undefined ? null : new Date(job.finishedOn).toISOString(),
    result: result ?? null,
  };
}

/**
 * A stored moment as ISO text, or null when it is not one. These parts of a state are shown, not trusted: a job
 * written by another producer or edited in Redis may hold anything there, and one such job must not break
 * `pixout status`, the dashboard's search or a reconciliation run with a RangeError.
 */
function isoTime(ms: unknown): string | null {
  if (typeof ms !== "number" || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
