// When an operator may retry a payment, and with which bank key. Pure.
//
// - A paid payment is never retried.
// - A payment still on its way (queued, pending) is not retried: it is already being handled.
// - A definitive bank failure (the bank ended it CANCELADO_SEM_SALDO, REPROVADO, EXPIRADO…) can only be
//   paid again with a new bank key, and only when the operator asks for it (`newAttempt`): a resend
//   under the old key would get the same ended payment back.
// - A payment `blocked` by the safety limits (daily total, allow-list) was never sent: an operator may retry
//   it — with the same key — once the limit is raised or the recipient allowed (it is checked again).
// - Anything else — failed before reaching the bank, rejected, or parked for reconciliation — is retried
//   with the same key: if the bank still has the payment, it answers with it instead of paying again. A
//   new key is refused there, because the bank may already have paid under the old one.
// - A parked payment whose send may have executed is resent only if the bank's idempotency can be relied
//   on (the worker decides), unless the operator, having reconciled it with the bank, says it was not
//   executed (`notExecuted`) — then the evidence is cleared, and the key is still the same.
import { classifyStatus } from "./bank-status.js";
import { hasBankEvidence, initialState, type Outcome, type PaymentState } from "./lifecycle.js";

export interface RetryFacts {
  outcome: Outcome;
  bankStatus: string | null;
  state: Partial<PaymentState>;
}

export interface RetryChoice {
  /** Pay again under the next generation's key (only after a definitive bank failure). */
  newAttempt: boolean;
  /** The operator reconciled a parked payment with the bank: it was not executed. */
  notExecuted: boolean;
  now: number;
}

export type RetryDecision =
  { allowed: true; newKey: boolean; generation: number; state: PaymentState } | { allowed: false; why: string };

/**
 * What a retry keeps of the state it replaces: the sends the bank ended for insufficient balance under
 * earlier keys (the reconciliation finds a debit of one; the generations' cap counts them).
 */
function keptHistory(s: Partial<PaymentState>): Partial<PaymentState> {
  return Array.isArray(s.endedForBalance) && s.endedForBalance.length > 0 ? { endedForBalance: s.endedForBalance } : {};
}

export function decideRetry(facts: RetryFacts, choice: RetryChoice): RetryDecision {
  const s = facts.state;
  const generation = typeof s.generation === "number" ? s.generation : 0;
  const { outcome } = facts;
  if (outcome === "paid") return { allowed: false, why: "a paid payment can never be retried" };
  if (outcome === "queued" || outcome === "pending")
    return { allowed: false, why: `it is still ${outcome}: it is being handled` };
  if (choice.newAttempt && choice.notExecuted)
    return { allowed: false, why: "--new-attempt and --not-executed do not go together" };

  // Definitive: the bank itself ended the payment we know, and no other send of it is in doubt.
  // Or the bank's statement proved a parked payment was not executed (src/queue/producer/resolve.ts).
  const definitive =
    (outcome === "failed" && s.resolution?.outcome === "failed") ||
    (outcome === "failed" &&
      facts.bankStatus !== null &&
      classifyStatus(facts.bankStatus) === "failure" &&
      typeof s.codigoSolicitacao === "string" &&
      s.sendInFlight === undefined);
  if (definitive) {
    if (!choice.newAttempt) {
      return {
        allowed: false,
        why: `${s.resolution?.outcome === "failed" ? "it was resolved as not executed" : `the bank ended it ${facts.bankStatus ?? ""}`}: a retry with the same key would get the same answer; retry with --new-attempt to pay it again under a new key`,
      };
    }
    return {
      allowed: true,
      newKey: true,
      generation: generation + 1,
      state: { ...initialState(generation + 1), ...keptHistory(s) },
    };
  }
  if (choice.newAttempt) {
    return {
      allowed: false,
      why:
        outcome === "needs-reconciliation"
          ? "the bank may already have paid it under its key: reconcile it first; a retry without --new-attempt follows it with the same key"
          : "a new key is only for payments the bank ended for good; retry without --new-attempt (same key)",
    };
  }
  if (choice.notExecuted && outcome !== "needs-reconciliation") {
    return { allowed: false, why: "--not-executed is for payments parked for reconciliation" };
  }

  // Same key. What the bank may already have is kept: a codigoSolicitacao is followed again, a send that
  // may have executed is resent under the same key (or parked again, if the worker may not trust that).
  const known = typeof s.codigoSolicitacao === "string";
  const evidence = hasBankEvidence(s) && !(choice.notExecuted && !known);
  const state: PaymentState = {
    ...initialState(generation),
    maybeExecuted: evidence,
    ...(known
      ? {
          step: "poll" as const,
          codigoSolicitacao: s.codigoSolicitacao,
          progressSince: choice.now,
          submittedAt: choice.now,
        }
      : {}),
    // The body of a send that may have reached the bank must not change; otherwise a new date is chosen.
    ...(evidence && s.paymentDate !== undefined ? { paymentDate: s.paymentDate } : {}),
    ...(evidence && s.firstSendAt !== undefined ? { firstSendAt: s.firstSendAt } : {}),
    ...(s.tipoRetorno === undefined ? {} : { tipoRetorno: s.tipoRetorno }),
    ...keptHistory(s),
    // Followed again under the same key: whether its codigo answered a send without doubt stays true.
    ...(known && s.answeredWithoutDoubt === true ? { answeredWithoutDoubt: true } : {}),
  };
  return { allowed: true, newKey: false, generation, state };
}
