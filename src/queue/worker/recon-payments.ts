// The payments a reconciliation compares with the bank's statement, read from the queue's jobs (every
// state; jobs retention removed are found through their records instead, reconcile-run.ts). Only payments
// that may have reached the bank count: a payment that never sent anything has nothing to reconcile.
import type { Job, Queue } from "bullmq";
import { bankDate } from "../../inter/statement.js";
import { hasBankEvidence } from "../../payments/lifecycle.js";
import { parseAmount } from "../../payments/money.js";
import type { ReconPayment } from "../../payments/reconciliation.js";
import { openPayoutFields, readJobData, type DataProtection } from "../job-data.js";
import { paymentView } from "../payment-view.js";

// Jobs still on their way first: one that finishes while the pages are read is then met again, finished,
// rather than missed between two states.
const STATES = ["active", "waiting", "delayed", "prioritized", "waiting-children", "completed", "failed"] as const;
const PAGE = 500;

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function centsOf(amount: unknown): number | undefined {
  if (typeof amount !== "string") return undefined;
  try {
    return parseAmount(amount);
  } catch {
    return undefined;
  }
}

function latest(...values: (number | undefined)[]): number | undefined {
  const known = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  return known.length === 0 ? undefined : Math.max(...known);
}

/**
 * One job as a payment to reconcile, or undefined when it cannot have reached the bank. `defaultAccount`:
 * INTER_ACCOUNT, the account of payments that name none. `dateOf`: São Paulo's date of an instant.
 */
export function reconPaymentOf(
  job: Job,
  jobState: string,
  protection: DataProtection,
  defaultAccount: string,
  dateOf: (ms: number) => string,
): ReconPayment | undefined {
  if (!job.id?.startsWith("payment-")) return undefined;
  const view = paymentView({
    id: job.id,
    state: jobState,
    data: job.data,
    returnvalue: job.returnvalue,
    failedReason: job.failedReason,
    timestamp: job.timestamp,
    finishedOn: job.finishedOn,
  });
  const data = readJobData(job.data);
  const state = data.state.unchecked;
  if (view.outcome !== "paid" && !hasBankEvidence(state) && view.codigoSolicitacao === null) return undefined;
  const amountCents = centsOf(data.amount);
  if (amountCents === undefined) return undefined;
  const recipient = objectOf(openPayoutFields(data.fields, state, protection).fields["recipient"]);
  const key = recipient["type"] === "key" && typeof recipient["key"] === "string" ? recipient["key"] : undefined;
  const account = typeof data.fields["account"] === "string" ? data.fields["account"] : defaultAccount;
  const paidDate =
    view.outcome === "paid"
      ? (bankDate(view.result?.paidAt ?? state.paidAt) ??
        view.resolution?.date ??
        (job.finishedOn === undefined ? undefined : dateOf(job.finishedOn)))
      : undefined;
  const scheduled = typeof state.paymentDate === "string" ? state.paymentDate : undefined;
  const firstSendAt =
    state.firstSendAt ?? (view.outcome !== "paid" && hasBankEvidence(state) ? job.timestamp : undefined);
  return {
    paymentId: view.paymentId,
    outcome: view.outcome,
    account,
    amountCents,
    ...(view.codigoSolicitacao === null ? {} : { codigoSolicitacao: view.codigoSolicitacao }),
    ...(view.endToEndId === null ? {} : { endToEndId: view.endToEndId }),
    ...(key === undefined ? {} : { key }),
    // A payment that may be at the bank without the moment of its first send (an older state): its enqueue
    // bounds it from below, so that its debit is still looked for — never a missing window taken as "no debit".
    ...(firstSendAt === undefined ? {} : { firstSendAt }),
    // As late as anything we know of: a wider window only makes a lost answer's debit harder to pin (never wrong).
    ...(latest(state.firstSendAt, state.sendInFlight, state.submittedAt, state.progressSince, job.finishedOn) ===
    undefined
      ? {}
      : {
          lastActivityAt: latest(
            state.firstSendAt,
            state.sendInFlight,
            state.submittedAt,
            state.progressSince,
            job.finishedOn,
          ),
        }),
    ...(paidDate === undefined ? {} : { paidDate }),
    ...(view.bankStatus === null ? {} : { bankStatus: view.bankStatus }),
    ...(scheduled === undefined ? {} : { scheduledFor: scheduled }),
    ...(view.resolution?.debitId === undefined ? {} : { debitId: view.resolution.debitId }),
    ...(view.resolution?.outcome === "paid" ? { resolvedFromStatement: true } : {}),
    enqueuedAt: job.timestamp,
  };
}

export interface ReconPayments {
  payments: ReconPayment[];
  /**
   * Jobs this fleet never ran as the payment (no claim on its record: another job of the same paymentId,
   * refused as its duplicate, whose data — the amount too — may not be what was paid), by the
   * codigoSolicitacao their record gave them: a debit naming it is that payment's, as for a removed job.
   */
  references: Map<string, string>;
  /** Each payment's job data as read (JSON): a resolution applies only to the job exactly as it was analysed. */
  snapshots: Map<string, string>;
  /** codigoSolicitacao → paymentId of earlier sends the bank ended for insufficient balance (state.endedForBalance). */
  ended: Map<string, string>;
}

/** The codigos of a job's earlier sends the bank ended for insufficient balance. */
function endedCodigos(job: Job): string[] {
  const state = readJobData(job.data).state.unchecked;
  // Only a state a run of this fleet wrote (it holds a claim); the reconciliation also asks pixout's index.
  if (typeof state.claim !== "string") return [];
  const list: unknown = state.endedForBalance;
  if (!Array.isArray(list)) return [];
  return list
    .map((e) => objectOf(e)["codigoSolicitacao"])
    .filter((c): c is string => typeof c === "string" && c !== "");
}

/** A finished job whose state holds no claim: written by the duplicate rule, not by a run that sent it. */
function referenceOf(job: Job): { paymentId: string; codigo?: string } | undefined {
  const state = readJobData(job.data).state.unchecked;
  if (state.claim !== undefined || state.outcome === undefined || !job.id?.startsWith("payment-")) return undefined;
  const codigo = typeof state.codigoSolicitacao === "string" ? state.codigoSolicitacao : undefined;
  return { paymentId: job.id.slice("payment-".length), ...(codigo === undefined ? {} : { codigo }) };
}

/** Every payment of the queue that may have reached the bank, page by page. */
export async function readReconPayments(
  queue: Queue,
  protection: DataProtection,
  defaultAccount: string,
  dateOf: (ms: number) => string,
): Promise<ReconPayments> {
  const out = new Map<string, ReconPayment>();
  const snapshots = new Map<string, string>();
  const references = new Map<string, string>();
  const ended = new Map<string, string>();
  for (const jobState of STATES) {
    for (let start = 0; ; start += PAGE) {
      const jobs = await queue.getJobs([jobState], start, start + PAGE - 1, true);
      for (const job of jobs) {
        if (job.id?.startsWith("payment-"))
          for (const codigo of endedCodigos(job)) ended.set(codigo.toLowerCase(), job.id.slice("payment-".length));
        const reference = referenceOf(job);
        if (reference !== undefined) {
          if (reference.codigo !== undefined) references.set(reference.codigo.toLowerCase(), reference.paymentId);
          continue;
        }
        const p = reconPaymentOf(job, jobState, protection, defaultAccount, dateOf);
        // A job seen twice (it moved between pages) counts once, as last read.
        if (p !== undefined) {
          out.set(p.paymentId, p);
          snapshots.set(p.paymentId, JSON.stringify(job.data));
        }
      }
      if (jobs.length < PAGE) break;
    }
  }
  return { payments: [...out.values()], snapshots, references, ended };
}
