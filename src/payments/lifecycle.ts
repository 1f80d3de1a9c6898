// What happens next to a payment, as pure functions of (state, what the bank answered, now, random)
// — no I/O, so every rule is tested without Redis or a bank (docs/design.md §3, §4).
//
// The money rules live here:
// - once a send may have reached the bank (`maybeExecuted`, or a send left in flight by a worker that
//   died), the payment can only end paid, failed by a *bank status*, or parked for reconciliation —
//   never "failed" or "rejected" on our say-so (docs/design.md §2.3);
// - a configuration problem (credentials, scope, certificate) makes payments wait for the fix, without
//   using attempts — it never fails the queue;
// - after the bank accepted it (`codigoSolicitacao`), every error while following it is retried and, in
//   the end, parked — the bank has the payment;
// - a 429 waits without using an attempt (docs/design.md §2.7).
import { backoffDelay, type BackoffPolicy } from "./backoff.js";
import { classifyStatus } from "./bank-status.js";
import { formatCents } from "./money.js";
import type { BankErrorDetail, HistoryEntry, PaymentState } from "./payment-state.js";

/** `blocked`: refused by the fleet's safety limits (daily total, allow-list) before the bank; nothing was sent. */
export type Outcome = "queued" | "pending" | "paid" | "failed" | "rejected" | "blocked" | "needs-reconciliation";
export const FINAL_OUTCOMES: ReadonlySet<Outcome> = new Set([
  "paid",
  "failed",
  "rejected",
  "blocked",
  "needs-reconciliation",
]);

// The state's schema and types live in payment-state.ts; the rules here and their users import them from here too.
export {
  writtenStateSchema,
  type BankErrorDetail,
  type HistoryEntry,
  type PaymentState,
  type Resolved,
} from "./payment-state.js";

/** Whether a (possibly unreadable) state says the bank may already have this payment. */
export function hasBankEvidence(state: unknown): boolean {
  const s = (typeof state === "object" && state !== null ? state : {}) as Record<string, unknown>;
  return s["maybeExecuted"] === true || s["sendInFlight"] !== undefined || typeof s["codigoSolicitacao"] === "string";
}

export function initialState(generation = 0): PaymentState {
  return { step: "submit", generation, attempts: 0, maybeExecuted: false, polls: 0 };
}

/** The facts of a bank-client error that the rules need (structurally an InterError). */
export interface ErrorFacts {
  code: string;
  message: string;
  retryable: boolean;
  ambiguous: boolean;
  retryAfterMs?: number;
  operation?: string;
}

export interface SendFacts {
  codigoSolicitacao: string;
  /** Absent when the bank's 200 left it out: the payment is followed all the same. */
  tipoRetorno?: string;
  dataPagamento?: string;
}

export interface StatusFacts {
  status: string;
  /** What the bank says the payment is, when it says so: compared with the job's own. */
  amountCents?: number;
  key?: string;
  codigoSolicitacao?: string;
  endToEndId?: string;
  errors: BankErrorDetail[];
  history: HistoryEntry[];
  movedAt?: string;
}

export interface LifecyclePolicy {
  /** Tries of a send (or of a failing query) before giving up. */
  maxAttempts: number;
  retry: BackoffPolicy;
  /** First status query after the bank accepted the payment. */
  firstPollMs: number;
  poll: BackoffPolicy;
  /** How often to look while a human approval is pending, and for how long at most. */
  approvalPollMs: number;
  approvalDeadlineMs: number;
  /** How long a payment may stay in progress at the bank before a human must look. */
  pollDeadlineMs: number;
  /** When Inter does not say how long to wait after a 429. */
  defaultRateLimitWaitMs: number;
  /**
   * The longest wait the bank (or a proxy, a WAF) can impose with Retry-After: a 429 or 503 asking for
   * longer waits this long, then asks again (PIXOUT_MAX_BANK_WAIT_SECONDS).
   */
  maxBankWaitMs: number;
  /**
   * A payment in progress at the bank for longer than this is polled at a slower pace (a quarter of the
   * time it has been waiting, up to `longPollCapMs`), and so is one awaiting approval (up to
   * `approvalPollCapMs`): a few stuck payments must not take the status budget from the others.
   */
  stuckAfterMs: number;
  longPollCapMs: number;
  approvalPollCapMs: number;
  /** How often to try again while the configuration (credentials, scope, certificate) is wrong. */
  configRetryMs: number;
  /**
   * Resend a send that may have executed, under the same key, trusting the bank to answer with the
   * payment it already has (Inter documents `x-id-idempotente` as its idempotency key; how it behaves is
   * UNVERIFIED, docs/reference/inter-api.md §3.1). false: never resend it — park it for reconciliation instead.
   */
  resendAmbiguous: boolean;
  /**
   * How long after the first send of a generation a resend under its key is still made. How long Inter
   * remembers an `x-id-idempotente` is UNVERIFIED (docs/reference/inter-api.md §3.1): past this, a payment that may
   * have executed is parked instead of resent, so a bank that forgot the key cannot pay it twice.
   */
  resendWindowMs: number;
}

export const DEFAULT_POLICY: LifecyclePolicy = {
  maxAttempts: 8,
  retry: { baseMs: 2_000, capMs: 5 * 60_000 },
  firstPollMs: 2_000,
  poll: { baseMs: 2_000, capMs: 60_000 },
  approvalPollMs: 5 * 60_000,
  approvalDeadlineMs: 24 * 60 * 60_000,
  pollDeadlineMs: 24 * 60 * 60_000,
  defaultRateLimitWaitMs: 60_000,
  maxBankWaitMs: 5 * 60_000,
  stuckAfterMs: 10 * 60_000,
  longPollCapMs: 30 * 60_000,
  approvalPollCapMs: 2 * 60 * 60_000,
  configRetryMs: 5 * 60_000,
  resendAmbiguous: true,
  resendWindowMs: 60 * 60_000,
};

const UNTRUSTED =
  "not resent, because the bank's idempotency is not trusted (PIXOUT_TRUST_BANK_IDEMPOTENCY=false): reconcile it with the bank";

/**
 * Before a send: a payment whose earlier send may have executed is only resent when the bank's
 * idempotency is trusted and the first send is recent enough for the bank to remember its key; otherwise
 * it is parked here, before any second request.
 */
export function beforeSend(
  state: PaymentState,
  now: number,
  policy: LifecyclePolicy = DEFAULT_POLICY,
): Decision | undefined {
  if (!state.maybeExecuted) return undefined;
  if (!policy.resendAmbiguous) return park(state, `an earlier send may have been executed; ${UNTRUSTED}`);
  if (state.firstSendAt !== undefined && now - state.firstSendAt > policy.resendWindowMs) {
    const minutes = Math.round((now - state.firstSendAt) / 60_000);
    return park(
      state,
      `an earlier send may have been executed ${String(minutes)} min ago, longer than the bank may remember its key (PIXOUT_RESEND_WINDOW_MINUTES): reconcile it with the bank`,
    );
  }
  return undefined;
}

/**
 * Errors that say our configuration is wrong, not the payment: the token endpoint refusing the
 * credentials or a scope, the bank refusing our certificate, or a forbidden call (scope or account).
 */
export function isConfigurationError(error: ErrorFacts): boolean {
  if (error.code === "INTER_TLS" || error.code === "INTER_FORBIDDEN") return true;
  // 410 to a status query is about the payment (gone from the bank's query), not the configuration.
  if (error.code === "INTER_GONE") return error.operation !== "get-pix";
  // A send's path is fixed: "not found" there means INTER_BASE_URL is wrong, not this payment.
  if (error.code === "INTER_NOT_FOUND" && error.operation === "send-pix") return true;
  return error.operation === "token" && !error.retryable && error.code !== "INTER_RATE_LIMITED";
}

export type Decision =
  /** Wait, then run the job's current step again. */
  | { kind: "wait"; delayMs: number; state: PaymentState; why: string }
  /** Finished: paid, or parked for reconciliation (a distinct outcome, never "failed"). */
  | { kind: "finish"; state: PaymentState & { outcome: "paid" | "needs-reconciliation" } }
  /** Finished as failed, rejected or blocked; nothing was paid. */
  | { kind: "fail"; state: PaymentState & { outcome: "failed" | "rejected" | "blocked"; reason: string } };

/**
 * A wait for the bank to settle a payment it accepted: the first status query after a send, or the next
 * while the bank says it is in progress (not a scheduled date, an approval, nor any error's retry).
 */
export function waitsForSettlement(decision: Decision): boolean {
  if (decision.kind !== "wait" || decision.state.step !== "poll") return false;
  return decision.why === "submitted" || decision.why.startsWith(SETTLING_WHY);
}
const SETTLING_WHY = "bank status ";

function park(state: PaymentState, reason: string): Decision {
  return { kind: "finish", state: { ...state, outcome: "needs-reconciliation", reason } };
}

function fail(state: PaymentState, outcome: "failed" | "rejected" | "blocked", reason: string): Decision {
  return { kind: "fail", state: { ...state, outcome, reason } };
}

/**
 * The fleet's safety limits (daily total, allow-list) refused the payment right before its send: it ends
 * `blocked`, nothing sent. An operator may retry it with the same key (e.g. after raising the limit).
 */
export function blocked(state: PaymentState, reason: string): Decision {
  return fail(state, "blocked", reason);
}

function withError(state: PaymentState, error: ErrorFacts, now: number): PaymentState {
  return { ...state, lastError: { code: error.code, message: error.message, at: now } };
}

/**
 * A configuration problem: wait for the fix without using attempts; after the poll deadline (a day by
 * default) the payment ends — failed if nothing can have been sent, else parked.
 */
function configurationProblem(
  state: PaymentState,
  error: ErrorFacts,
  now: number,
  policy: LifecyclePolicy,
  random: number,
): Decision {
  const since = state.configWaitSince ?? now;
  const waited: PaymentState = { ...state, configWaitSince: since };
  if (now - since >= policy.pollDeadlineMs) {
    const reason = `the configuration stayed wrong for ${String(Math.round((now - since) / 60_000))} min: ${error.message}`;
    return state.maybeExecuted ? park(waited, reason) : fail(waited, "failed", reason);
  }
  return {
    kind: "wait",
    delayMs: Math.round(policy.configRetryMs * (0.9 + 0.2 * random)),
    state: waited,
    why: "configuration",
  };
}

/**
 * A 503 (maintenance, outside the operating window): nothing ran. Wait — as Retry-After says, else for
 * half the time the bank has been unavailable, between the retry backoff's base and cap — and call again
 * with the same key, without using attempts; after the poll deadline the payment ends (failed if nothing
 * can have been sent, else parked) rather than waiting forever.
 */
function bankUnavailable(
  state: PaymentState,
  error: ErrorFacts,
  now: number,
  policy: LifecyclePolicy,
  random: number,
): Decision {
  const since = state.unavailableSince ?? now;
  const waited: PaymentState = { ...state, unavailableSince: since };
  if (now - since >= policy.pollDeadlineMs) {
    const reason = `the bank stayed unavailable for ${String(Math.round((now - since) / 60_000))} min: ${error.message}`;
    return state.maybeExecuted || state.codigoSolicitacao !== undefined
      ? park(waited, reason)
      : fail(waited, "failed", reason);
  }
  const backoff = Math.min(policy.retry.capMs, Math.max(policy.retry.baseMs, (now - since) / 2));
  const delayMs = Math.max(1, Math.round(bankWait(error.retryAfterMs ?? backoff, policy) * (1 + 0.1 * random)));
  return { kind: "wait", delayMs, state: waited, why: "bank unavailable" };
}

/** A wait the bank asked for, never longer than the policy's cap. */
export function bankWait(ms: number, policy: LifecyclePolicy): number {
  return Math.min(Math.max(0, ms), policy.maxBankWaitMs);
}

/**
 * A 429 (from the bank or our token cooldown): wait as told (at least a second — a Retry-After of 0 or of
 * a date already past — and at most the cap), without using an attempt.
 */
function rateLimited(state: PaymentState, error: ErrorFacts, policy: LifecyclePolicy, random: number): Decision {
  const wait = Math.max(1_000, bankWait(error.retryAfterMs ?? policy.defaultRateLimitWaitMs, policy));
  return { kind: "wait", delayMs: Math.max(1, Math.round(wait * (1 + 0.1 * random))), state, why: "rate-limited" };
}

/**
 * The bank's answer about another payment than the job's: another codigoSolicitacao, amount or Pix key.
 * Never paid on such an answer; parked with what disagrees. A Pix key the bank shows masked (`*`) cannot
 * be compared and is left out (how Inter writes `chave` in this answer is UNVERIFIED).
 */
function mismatch(s: StatusFacts, state: PaymentState, expected: ExpectedPayment | undefined): string | undefined {
  const problems: string[] = [];
  if (
    s.codigoSolicitacao !== undefined &&
    state.codigoSolicitacao !== undefined &&
    s.codigoSolicitacao !== state.codigoSolicitacao
  ) {
    problems.push(`codigoSolicitacao ${s.codigoSolicitacao}, not ${state.codigoSolicitacao}`);
  }
  if (expected !== undefined && s.amountCents !== undefined && s.amountCents !== expected.amountCents) {
    problems.push(`valor ${formatCents(s.amountCents)}, not ${formatCents(expected.amountCents)}`);
  }
  if (
    expected?.key !== undefined &&
    s.key !== undefined &&
    !s.key.includes("*") &&
    s.key.toLowerCase() !== expected.key.toLowerCase()
  ) {
    problems.push("another Pix key");
  }
  return problems.length === 0
    ? undefined
    : `the bank's status answer is about another payment (${problems.join(", ")}): never paid on it; reconcile it with the bank`;
}

/** What the job itself says the payment is, to compare with the bank's answers. */
export interface ExpectedPayment {
  amountCents: number;
  /** The Pix key, for a payment by key. */
  key?: string;
}

/**
 * When to look again at a payment the bank is still processing (or an approver still has): `usual`, until
 * it has waited `stuckAfterMs`; from then on a quarter of the time it has waited, up to `capMs`.
 */
function pollDelay(usual: number, waitingMs: number, capMs: number, policy: LifecyclePolicy, random: number): number {
  if (waitingMs < policy.stuckAfterMs) return usual;
  return Math.max(usual, Math.round(Math.min(capMs, waitingMs / 4) * (0.9 + 0.2 * random)));
}

/** Decides after a send: the bank accepted, or what its error means. */
export function afterSend(
  state: PaymentState,
  result: { ok: true; sent: SendFacts } | { ok: false; error: ErrorFacts },
  now: number,
  random: number,
  policy: LifecyclePolicy = DEFAULT_POLICY,
): Decision {
  if (result.ok) {
    const next: PaymentState = {
      ...state,
      step: "poll",
      attempts: 0,
      maybeExecuted: true,
      codigoSolicitacao: result.sent.codigoSolicitacao,
      ...(state.maybeExecuted ? {} : { answeredWithoutDoubt: true }),
      // Sent: a later hold is a new wait (the maximum hold counts from it).
      firstHeldAt: undefined,
      ...(result.sent.tipoRetorno === undefined ? {} : { tipoRetorno: result.sent.tipoRetorno }),
      submittedAt: now,
      progressSince: now,
      configWaitSince: undefined,
      unavailableSince: undefined,
    };
    return { kind: "wait", delayMs: policy.firstPollMs, state: next, why: "submitted" };
  }
  const error = result.error;
  const failed = withError(state, error, now);
  if (error.code === "INTER_RATE_LIMITED") return rateLimited(failed, error, policy, random);
  if (error.code === "INTER_SERVICE_UNAVAILABLE") return bankUnavailable(failed, error, now, policy, random);
  const maybe = state.maybeExecuted || error.ambiguous;
  const marked: PaymentState = { ...failed, maybeExecuted: maybe };
  if (isConfigurationError(error)) return configurationProblem(marked, error, now, policy, random);
  if (error.code === "INTER_CONFLICT") {
    return park(
      marked,
      `the bank knows this idempotency key with other content (${error.message}); reconcile before any new attempt`,
    );
  }
  if (!error.retryable) {
    // Refused for good. If an earlier try may have gone through, the refusal proves nothing about it.
    if (maybe) return park(marked, `an earlier send may have been executed, then the bank refused: ${error.message}`);
    return fail(marked, error.code === "INTER_REJECTED" ? "rejected" : "failed", error.message);
  }
  if (maybe && !policy.resendAmbiguous) return park(marked, `${error.message}; ${UNTRUSTED}`);
  const attempts = state.attempts + 1;
  if (attempts >= policy.maxAttempts) {
    if (maybe)
      return park({ ...marked, attempts }, `no definitive answer after ${String(attempts)} sends: ${error.message}`);
    return fail(
      { ...marked, attempts },
      "failed",
      `gave up after ${String(attempts)} tries, nothing was executed: ${error.message}`,
    );
  }
  return {
    kind: "wait",
    delayMs: backoffDelay(attempts - 1, policy.retry, random),
    state: { ...marked, attempts },
    why: maybe ? "resend with the same key" : "retry",
  };
}

/**
 * Decides after a status query of a payment the bank accepted. `scheduledAt` is when a scheduled
 * payment's day starts (epoch ms): until then an AGENDADO payment is left alone instead of being
 * queried every minute out of the 20-a-minute status budget.
 */
export function afterPoll(
  state: PaymentState,
  result: { ok: true; status: StatusFacts } | { ok: false; error: ErrorFacts },
  now: number,
  random: number,
  policy: LifecyclePolicy = DEFAULT_POLICY,
  scheduledAt?: number,
  expected?: ExpectedPayment,
): Decision {
  if (!result.ok) {
    const error = result.error;
    const failed = withError(state, error, now);
    if (error.code === "INTER_RATE_LIMITED") return rateLimited(failed, error, policy, random);
    if (error.code === "INTER_SERVICE_UNAVAILABLE") return bankUnavailable(failed, error, now, policy, random);
    if (isConfigurationError(error)) return configurationProblem(failed, error, now, policy, random);
    // The bank says this payment is gone from its status query for good: asking again changes nothing.
    if (error.code === "INTER_GONE")
      return park(failed, `the bank no longer shows this payment (${error.message}): reconcile it with the statement`);
    const attempts = state.attempts + 1;
    // The bank has this payment: an error while following it never fails it.
    if (attempts >= policy.maxAttempts) {
      return park(
        { ...failed, attempts },
        `cannot follow the payment at the bank after ${String(attempts)} tries: ${error.message}`,
      );
    }
    return {
      kind: "wait",
      delayMs: backoffDelay(attempts - 1, policy.retry, random),
      state: { ...failed, attempts },
      why: "query again",
    };
  }
  const s = result.status;
  const other = mismatch(s, state, expected);
  if (other !== undefined) return park({ ...state, bankStatus: s.status }, other);
  const cls = classifyStatus(s.status);
  // Once an approval is given, the payment starts moving again: its backoff and deadline start afresh.
  const approvedNow = state.approvalSince !== undefined && cls !== "approval";
  const polls = approvedNow ? 1 : state.polls + 1;
  const seen: PaymentState = {
    ...state,
    attempts: 0,
    configWaitSince: undefined,
    unavailableSince: undefined,
    ...(approvedNow ? { approvalSince: undefined, progressSince: now } : {}),
    polls,
    bankStatus: s.status,
    history: s.history,
    ...(s.errors.length > 0 ? { bankErrors: s.errors } : {}),
    ...(s.endToEndId === undefined ? {} : { endToEndId: s.endToEndId }),
  };
  switch (cls) {
    case "success":
      return { kind: "finish", state: { ...seen, outcome: "paid" } };
    case "failure": {
      const detail = s.errors
        .map((e) => [e.codigoErro, e.descricaoErro].filter(Boolean).join(" "))
        .filter(Boolean)
        .join("; ");
      return fail(seen, "failed", `the bank ended the payment ${s.status}${detail ? `: ${detail}` : ""}`);
    }
    case "approval": {
      const since = state.approvalSince ?? now;
      if (now - since >= policy.approvalDeadlineMs) {
        return park(
          { ...seen, approvalSince: since },
          `still waiting for approval in Inter's Internet Banking after ${String(Math.round((now - since) / 60_000))} min`,
        );
      }
      const delayMs = pollDelay(policy.approvalPollMs, now - since, policy.approvalPollCapMs, policy, random);
      return { kind: "wait", delayMs, state: { ...seen, approvalSince: since }, why: "awaiting approval" };
    }
    case "in-progress": {
      if (s.status === "AGENDADO" && scheduledAt !== undefined && scheduledAt > now) {
        return { kind: "wait", delayMs: scheduledAt - now + policy.firstPollMs, state: seen, why: "scheduled" };
      }
      const started = Math.max(seen.progressSince ?? seen.submittedAt ?? now, scheduledAt ?? 0);
      if (now - started >= policy.pollDeadlineMs) {
        return park(seen, `still ${s.status} at the bank after ${String(Math.round((now - started) / 60_000))} min`);
      }
      const delayMs = pollDelay(
        backoffDelay(polls - 1, policy.poll, random),
        now - started,
        policy.longPollCapMs,
        policy,
        random,
      );
      return { kind: "wait", delayMs, state: seen, why: `${SETTLING_WHY}${s.status}` };
    }
  }
}
