// When an operator may retry a payment, and with which bank key (issue #4 §2). Pure.
//
// - A paid payment is never retried.
// - A payment still on its way (queued, pending) is not retried: it is already being handled.
// - A definitive bank failure (the bank ended it CANCELADO_SEM_SALDO, REPROVADO, EXPIRADO…) can only be
//   paid again with a new bank key, and only when the operator asks for it (`newAttempt`): a resend
//   under the old key would get the same ended payment back.
// - Anything else — failed before reaching the bank, rejected, or parked for reconciliation — is retried
//   with the same key: if the bank has the payment, it answers with it instead of paying again. A new key
//   is refused there, because the bank may already have paid under the old one.
import { classifyStatus } from "./bank-status.js";
import type { Outcome, PaymentState } from "./lifecycle.js";
import { initialState } from "./lifecycle.js";

export interface RetryFacts {
  outcome: Outcome;
  bankStatus: string | null;
  state: Partial<PaymentState>;
}

export type RetryDecision =
  | { allowed: true; newKey: boolean; generation: number; state: PaymentState }
  | { allowed: false; why: string };

export function decideRetry(facts: RetryFacts, options: { newAttempt: boolean; now: number }): RetryDecision {
  const generation = typeof facts.state.generation === "number" ? facts.state.generation : 0;
  const { outcome } = facts;
  if (outcome === "paid") return { allowed: false, why: "a paid payment can never be retried" };
  if (outcome === "queued" || outcome === "pending") return { allowed: false, why: `it is still ${outcome}: it is being handled` };

  const definitive = outcome === "failed" && facts.bankStatus !== null && classifyStatus(facts.bankStatus) === "failure";
  if (definitive) {
    if (!options.newAttempt) {
      return {
        allowed: false,
        why: `the bank ended it ${facts.bankStatus ?? ""}: a retry with the same key would get the same answer; retry with --new-attempt to pay it again under a new key`,
      };
    }
    return { allowed: true, newKey: true, generation: generation + 1, state: initialState(generation + 1) };
  }
  if (options.newAttempt) {
    return {
      allowed: false,
      why:
        outcome === "needs-reconciliation"
          ? "the bank may already have paid it under its key: reconcile it first; a retry without --new-attempt follows it with the same key"
          : "a new key is only for payments the bank ended for good; retry without --new-attempt (same key)",
    };
  }
  // Same key. What the bank may already have is kept: a codigoSolicitacao is followed again, a send that
  // may have executed is resent under the same key.
  const s = facts.state;
  const known = typeof s.codigoSolicitacao === "string";
  const state: PaymentState = {
    ...initialState(generation),
    maybeExecuted: s.maybeExecuted === true || s.sendInFlight !== undefined || known,
    ...(known ? { step: "poll" as const, codigoSolicitacao: s.codigoSolicitacao, progressSince: options.now, submittedAt: options.now } : {}),
    ...(s.paymentDate !== undefined ? { paymentDate: s.paymentDate } : {}),
    ...(s.tipoRetorno === undefined ? {} : { tipoRetorno: s.tipoRetorno }),
  };
  return { allowed: true, newKey: false, generation, state };
}
