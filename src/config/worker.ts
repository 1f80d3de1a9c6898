// How a worker process runs payments: how many at once, how often it tries and polls, how long it waits
// before parking a payment for reconciliation, and when it resends under the bank's idempotency key.
// WorkerSettings gathers what the worker needs of the other concerns too (budgets, limits, balance…).
import { z } from "zod";
import type { SafetyLimitSettings } from "../payments/safety-limits.js";
import type { BalanceSettings } from "./balance.js";
import type { BudgetSettings } from "./budgets.js";
import type { ReconcileSettings } from "./reconciliation.js";
import { flag, positiveInt, positiveNumber, wholeNumber } from "./values.js";

export const workerFields = z.object({
  PIXOUT_CONCURRENCY: positiveInt(8).describe(
    "Payout jobs one worker process runs at once (each waits in Redis, not in a slot, between bank calls; a quarter of them, from 4 on, may wait in their slot for a status query due within 2 s).",
  ),
  PIXOUT_MAX_ATTEMPTS: positiveInt(8).describe(
    "Tries of a send (or of a failing status query) before giving up — or parking it when it may have been paid.",
  ),
  PIXOUT_FIRST_POLL_MS: positiveInt(2000).describe(
    "First status query after the bank accepted a payment, in ms; later ones back off exponentially up to PIXOUT_POLL_CAP_MS.",
  ),
  PIXOUT_POLL_CAP_MS: positiveInt(60_000).describe(
    "The longest interval between two status queries of a payment in progress, in ms.",
  ),
  PIXOUT_APPROVAL_POLL_MS: positiveInt(300_000).describe(
    "Status query interval while a payment waits for approval in Inter's Internet Banking, in ms.",
  ),
  PIXOUT_APPROVAL_DEADLINE_MINUTES: positiveNumber(1440).describe(
    'Approval wait before the payment is parked as needs-reconciliation (never "failed"), in minutes.',
  ),
  PIXOUT_POLL_DEADLINE_MINUTES: positiveNumber(1440).describe(
    "Time a payment may stay in progress at the bank before it is parked as needs-reconciliation, in minutes.",
  ),
  PIXOUT_SHUTDOWN_TIMEOUT_MS: positiveInt(25_000).describe(
    "On SIGTERM/SIGINT, wait this long (ms) for running steps; unfinished ones resume on another worker.",
  ),
  PIXOUT_LOCK_DURATION_MS: wholeNumber()
    .pipe(z.number().positive())
    .optional()
    .meta({
      takes: "whole number ≥ 1",
      unset: "3 × (INTER_CONNECT_TIMEOUT_MS + INTER_REQUEST_TIMEOUT_MS) + 10 s, at least 60 s",
    })
    .describe("Job lock, in ms. A dead worker's step resumes after it expires."),
  PIXOUT_STALLED_INTERVAL_MS: positiveInt(30_000).describe(
    "How often workers look for jobs whose worker died (stalled), in ms.",
  ),
  PIXOUT_TRUST_BANK_IDEMPOTENCY: flag(true).describe(
    "Resend a send that may have executed (timeout, reset, 5xx, a worker killed mid-send) under the same x-id-idempotente, trusting Inter to answer with the payment it already has. false: park such payments for reconciliation instead.",
  ),
  PIXOUT_RESEND_WINDOW_MINUTES: positiveNumber(60).describe(
    "A payment that may have executed is resent under its key only within this many minutes of its first send (how long Inter remembers an x-id-idempotente is not documented); later it is parked for reconciliation.",
  ),
});

export interface WorkerSettings {
  concurrency: number;
  budgets: BudgetSettings;
  maxAttempts: number;
  firstPollMs: number;
  pollCapMs: number;
  approvalPollMs: number;
  approvalDeadlineMs: number;
  pollDeadlineMs: number;
  shutdownTimeoutMs: number;
  /** Overrides the job lock derived from the bank timeouts (see lockDurationMs in src/queue/worker/worker.ts). */
  lockDurationMs?: number;
  stalledIntervalMs: number;
  /** Resend a send that may have executed under the same key (see LifecyclePolicy.resendAmbiguous). */
  trustBankIdempotency: boolean;
  resendWindowMs: number;
  /** While a webhook receiver runs, polls of a payment in progress are at least this far apart. */
  webhookPollMs: number;
  /** Daily totals per paying account and the recipients' allow-list, checked right before each send. */
  limits: SafetyLimitSettings;
  /** The fleet's own reconciliation runs (src/queue/worker/reconcile-scheduler.ts). */
  reconcile: ReconcileSettings;
  /** Insufficient balance (docs/operating/balance.md): the hold's rules, and the balance guard (off: `guardMaxAgeMs` unset). */
  balance: BalanceSettings;
}

/** The worker's settings; the parts of other concerns come ready-made. */
export function workerSettingsOf(
  e: z.infer<typeof workerFields>,
  parts: Pick<WorkerSettings, "budgets" | "webhookPollMs" | "limits" | "reconcile" | "balance">,
): WorkerSettings {
  return {
    concurrency: e.PIXOUT_CONCURRENCY,
    budgets: parts.budgets,
    maxAttempts: e.PIXOUT_MAX_ATTEMPTS,
    firstPollMs: e.PIXOUT_FIRST_POLL_MS,
    pollCapMs: e.PIXOUT_POLL_CAP_MS,
    approvalPollMs: e.PIXOUT_APPROVAL_POLL_MS,
    approvalDeadlineMs: Math.round(e.PIXOUT_APPROVAL_DEADLINE_MINUTES * 60_000),
    pollDeadlineMs: Math.round(e.PIXOUT_POLL_DEADLINE_MINUTES * 60_000),
    shutdownTimeoutMs: e.PIXOUT_SHUTDOWN_TIMEOUT_MS,
    ...(e.PIXOUT_LOCK_DURATION_MS === undefined ? {} : { lockDurationMs: e.PIXOUT_LOCK_DURATION_MS }),
    stalledIntervalMs: e.PIXOUT_STALLED_INTERVAL_MS,
    trustBankIdempotency: e.PIXOUT_TRUST_BANK_IDEMPOTENCY,
    resendWindowMs: Math.round(e.PIXOUT_RESEND_WINDOW_MINUTES * 60_000),
    webhookPollMs: parts.webhookPollMs,
    reconcile: parts.reconcile,
    balance: parts.balance,
    limits: parts.limits,
  };
}
